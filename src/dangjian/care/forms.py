"""Field shapes only; the rules live in care.services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.care.models import Level, Reason
from dangjian.core.forms import ChineseForm
from dangjian.funds.models import Fund
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, Post

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.org.short_name or obj.org.name}）"


class MembersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RecipientForm(ChineseForm):
    member = MemberChoice(label=_("党员"), queryset=Member.objects.none(), empty_label=_("请选择"))
    reason = forms.ChoiceField(label=_("困难类型"), choices=[("", _("请选择"))] + Reason.choices)
    level = forms.ChoiceField(label=_("困难程度"), choices=Level.choices)
    since = forms.DateField(label=_("困难起始日期"), widget=_DATE)
    circumstances = forms.CharField(
        label=_("个人情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "家庭、健康、收入等情况。加密保存，只有党委（工委）管理员可以查看，每次查看都留痕。"
        ),
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.filter(org_path__startswith=org.path, status=MemberStatus.NORMAL)
            .select_related("org")
            .order_by("org__path", "stroke_key")
        )


def cadre_candidates(recipient) -> list[Member]:
    """Leading cadres first (members holding a post at the recipient's organisation or above),
    then the other members of the organisations above the recipient's."""
    org = recipient.org
    chain = [*Organization.objects.get_ancestors(org), org]
    ids = Post.objects.filter(org__in=chain, ended_on__isnull=True).values("member_id")
    return (
        Member.objects.filter(status=MemberStatus.NORMAL)
        .filter(pk__in=ids)
        .exclude(pk=recipient.member_id)
        .select_related("org")
        .order_by("stroke_key")
    )


class PairForm(ChineseForm):
    cadre = MemberChoice(
        label=_("结对领导干部"),
        queryset=Member.objects.none(),
        empty_label=_("请选择"),
        help_text=_("列出本组织及上级党组织现任书记、副书记、委员。"),
    )
    cadre_title = forms.CharField(
        label=_("职务"), max_length=100, required=False, help_text=_("例如：局党委书记、副局长。")
    )
    started_on = forms.DateField(label=_("结对日期"), widget=_DATE)

    def __init__(self, *args, recipient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadre_candidates(recipient)
        self.fields["started_on"].initial = timezone.localdate()


class EndForm(ChineseForm):
    ended_on = forms.DateField(label=_("结束日期"), widget=_DATE)
    reason = forms.CharField(label=_("结束原因"), max_length=500)


class ReviewForm(ChineseForm):
    reviewed_on = forms.DateField(label=_("复核日期"), widget=_DATE)
    level = forms.ChoiceField(label=_("困难程度"), choices=Level.choices)
    note = forms.CharField(label=_("复核意见"), max_length=500, required=False)


class CloseForm(ChineseForm):
    closed_on = forms.DateField(label=_("退出日期"), widget=_DATE)
    reason = forms.CharField(
        label=_("退出原因"), max_length=500, help_text=_("例如：已脱困、已去世、组织关系转出。")
    )


class CircumstancesForm(ChineseForm):
    circumstances = forms.CharField(
        label=_("个人情况"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class VisitForm(ChineseForm):
    visited_on = forms.DateField(label=_("走访日期"), widget=_DATE)
    cadres = MembersChoice(
        label=_("参加走访的结对领导干部"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    what_done = forms.CharField(
        label=_("走访情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("了解到的情况、送去的关心。"),
    )
    deeds = forms.CharField(
        label=_("办的实事"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一件，例如：帮助申请临时救助；联系医院安排复诊。"),
    )
    amount = forms.DecimalField(
        label=_("慰问金（元）"), min_value=0, decimal_places=2, max_digits=12, required=False
    )
    paying_org = forms.ModelChoiceField(
        label=_("支付慰问金的党组织"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("（没有慰问金）"),
    )
    fund = forms.ChoiceField(
        label=_("从哪项经费支付"),
        choices=Fund.choices,
        initial=Fund.DUES,
        help_text=_("慰问金记入该党组织经费账目的“补助生活困难的党员”支出，结余不足时不能登记。"),
    )
    decision_body = forms.CharField(
        label=_("集体讨论的会议"),
        max_length=100,
        required=False,
        help_text=_("从党费支付时必填，例如：党委会。"),
    )
    decision_on = forms.DateField(label=_("集体讨论日期"), widget=_DATE, required=False)
    decision_summary = forms.CharField(
        label=_("集体讨论意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, recipient, payers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadres"].queryset = Member.objects.filter(
            pk__in=recipient.pairs.filter(ended_on__isnull=True).values("cadre_id")
        ).order_by("stroke_key")
        # usually one cadre per recipient: ticked already
        self.fields["cadres"].initial = list(self.fields["cadres"].queryset)
        self.fields["paying_org"].queryset = Organization.objects.filter(
            pk__in=[o.pk for o in payers]
        ).order_by("path")
        self.fields["visited_on"].initial = timezone.localdate()


class CourseForm(ChineseForm):
    title = forms.CharField(label=_("培训项目"), max_length=200)
    held_on = forms.DateField(label=_("培训日期"), widget=_DATE)
    organiser = forms.CharField(label=_("举办单位"), max_length=200)
    trainees = MembersChoice(
        label=_("参训党员"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("按住Ctrl可多选。参训人数由名单算出。"),
    )
    reemployed = MembersChoice(
        label=_("其中已实现再就业的党员"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    reemployed_on = forms.DateField(
        label=_("再就业日期"), widget=_DATE, required=False, help_text=_("不填则按培训日期记录。")
    )
    others_trained = forms.IntegerField(
        label=_("其他参训人数（非本系统党员）"), min_value=0, required=False, initial=0
    )
    others_reemployed = forms.IntegerField(
        label=_("其他实现再就业人数"), min_value=0, required=False, initial=0
    )
    headcount_source = forms.CharField(
        label=_("人数来源"),
        max_length=300,
        required=False,
        help_text=_("填写其他人数时必填，例如：县劳动就业中心培训花名册。"),
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(
            org_path__startswith=org.path, status=MemberStatus.NORMAL
        ).order_by("stroke_key")
        self.fields["trainees"].queryset = members
        self.fields["reemployed"].queryset = members


class CorrectVisitForm(VisitForm):
    """The visit as it should have been, with the reason; starts from the mistaken one."""

    reason = forms.CharField(
        label=_("更正原因"),
        max_length=400,
        help_text=_("例如：走访日期登记错了；慰问金金额登记错了。"),
    )

    def __init__(self, *args, recipient, payers, visit, **kwargs):
        super().__init__(*args, recipient=recipient, payers=payers, **kwargs)
        # the cadres paired at any time (the right day may be before a pairing ended)
        self.fields["cadres"].queryset = Member.objects.filter(
            pk__in=recipient.pairs.values("cadre_id")
        ).order_by("stroke_key")
        self.fields["cadres"].initial = list(visit.cadres.all())
        self.fields["visited_on"].initial = visit.visited_on
        self.fields["what_done"].initial = visit.what_done
        self.fields["deeds"].initial = "\n".join(d.text for d in visit.deeds.all())
        self.fields["amount"].initial = visit.amount
        entry = visit.fund_entry
        if entry is not None:
            self.fields["paying_org"].initial = entry.org_id
            self.fields["fund"].initial = entry.fund
            self.fields["decision_body"].initial = entry.decision_body
            self.fields["decision_on"].initial = entry.decision_on
            self.fields["decision_summary"].initial = entry.decision_summary
        self.order_fields(["reason"])


class ReemploymentForm(ChineseForm):
    reemployed_on = forms.DateField(label=_("再就业日期"), widget=_DATE)
    employer = forms.CharField(
        label=_("就业单位或岗位"), max_length=200, help_text=_("例如：县城某物流公司 分拣员。")
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=400,
        required=False,
        help_text=_("更改已登记的再就业情况时必填，写明原因。"),
    )
