"""Field shapes only; the rules live in outreach.services (Chinese errors, nothing written)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ChineseForm
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.outreach.models import SECTOR_KIND, Category, DispatchRole, Partner, PartnerKind

# Dates are entered as everywhere else in the project: the browser's date picker
# (<input type="date">, value YYYY-MM-DD); a date that cannot be in the future gets max=today.
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, required=True, **kw):
    return forms.DateField(label=label, required=required, widget=_DATE, **kw)


def _no_future(form, *names) -> None:
    today = timezone.localdate().isoformat()
    for name in names:
        if name in form.fields:
            form.fields[name].widget.attrs["max"] = today


def _reason(label=None):
    return forms.CharField(
        label=label or _("更正原因"),
        max_length=300,
        required=False,  # the service says which reason is missing
        help_text=_("写明哪里填错了、依据是什么，如“协调人姓名选错”。"),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _member_field(label, roster, required=True):
    f = forms.ModelChoiceField(label=label, queryset=roster, required=required)
    f.label_from_instance = lambda m: f"{m.name}（{m.org.short_name or m.org.name}）"
    return f


class PartnerForm(ChineseForm):
    name = forms.CharField(label=_("单位名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", "——")] + list(PartnerKind.choices))
    place = forms.CharField(
        label=_("所在地"), max_length=200, required=False, help_text=_("如：城关镇、东山乡")
    )
    contact_person = forms.CharField(label=_("联系人"), max_length=50, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class PairingForm(ChineseForm):
    partner = forms.ModelChoiceField(
        label=_("联建单位"),
        queryset=Partner.objects.none(),
        required=False,
        help_text=_("村、社区、企业等外部单位；名录里没有的，请先在“联建单位名录”中登记。"),
    )
    partner_org = forms.ModelChoiceField(
        label=_("或：组织树中的基层党组织"),
        queryset=Organization.objects.none(),
        required=False,
    )
    started_on = _date(_("结对日期"))
    leader = forms.ModelChoiceField(label=_("分管领导"), queryset=Member.objects.none())
    coordinator = forms.ModelChoiceField(label=_("具体协调人"), queryset=Member.objects.none())
    agreement_text = forms.CharField(
        label=_("共建协议"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    agreement = forms.FileField(
        label=_("协议文件"), required=False, help_text=_("PDF、图片或Word文件，不超过10MB。")
    )

    def __init__(self, *args, org: Organization, partners, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners.order_by("kind", "name")
        self.fields["partner"].label_from_instance = lambda p: (
            f"{p.name}（{p.get_kind_display()}{'，' + p.place if p.place else ''}）"
        )
        tree = Organization.objects.filter(
            sector__in=list(SECTOR_KIND), status=OrgStatus.ACTIVE
        ).exclude(path__startswith=org.path)
        tree = tree.exclude(pk__in=[a.pk for a in Organization.objects.get_ancestors(org)])
        if tree.exists():
            self.fields["partner_org"].queryset = tree.order_by("path")
        else:
            del self.fields["partner_org"]
        for name, label in (("leader", _("分管领导")), ("coordinator", _("具体协调人"))):
            self.fields[name] = _member_field(label, roster.select_related("org"))
        _no_future(self, "started_on")


class EndForm(ChineseForm):
    ended_on = _date(_("结束日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("结束原因"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_future(self, "ended_on")


class PartnerEditForm(PartnerForm):
    reason = _reason()


class PairingEditForm(ChineseForm):
    """Corrects a pairing's details; the partner is not changed (that is a new pairing)."""

    started_on = _date(_("结对日期"))
    leader = forms.ModelChoiceField(label=_("分管领导"), queryset=Member.objects.none())
    coordinator = forms.ModelChoiceField(label=_("具体协调人"), queryset=Member.objects.none())
    agreement_text = forms.CharField(
        label=_("共建协议"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    agreement = forms.FileField(
        label=_("换一份协议文件"),
        required=False,
        help_text=_("不换文件就不用选。PDF、图片或Word文件，不超过10MB。"),
    )
    ended_on = _date(_("结束日期"))
    end_reason = forms.CharField(label=_("结束原因"), max_length=300, required=False)
    reason = _reason()

    def __init__(self, *args, pairing, roster, **kwargs):
        super().__init__(*args, **kwargs)
        # the roster, plus whoever is recorded now (they may since have moved on)
        for name in ("leader", "coordinator"):
            current = getattr(pairing, f"{name}_id")
            qs = Member.objects.filter(
                Q(pk__in=roster.values("pk")) | Q(pk=current)
            ).select_related("org")
            self.fields[name] = _member_field(
                self.fields[name].label, qs.order_by("stroke_key", "id")
            )
        if pairing.ended_on is None:
            del self.fields["ended_on"]
            del self.fields["end_reason"]
        _no_future(self, "started_on", "ended_on")


class WithdrawTaskForm(ChineseForm):
    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=300,
        required=False,
        help_text=_("如“重复录入”“任务内容写错，已重新添加”。"),
    )


class TaskForm(ChineseForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    category = forms.ChoiceField(label=_("类别"), choices=[("", "——")] + list(Category.choices))
    title = forms.CharField(label=_("任务"), max_length=300)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, _("%(year)s年") % {"year": y}) for y in years]


class ActivityForm(ChineseForm):
    held_on = _date(_("活动日期"))
    category = forms.ChoiceField(
        label=_("类别（四联四共）"), choices=[("", "——")] + list(Category.choices)
    )
    summary = forms.CharField(
        label=_("活动内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("做了什么：如召开联席会、帮助修路、开展技术培训等。"),
    )
    problems_solved = forms.IntegerField(
        label=_("解决实际问题（个）"), min_value=0, initial=0, required=False
    )
    services_delivered = forms.IntegerField(
        label=_("提供便民服务（件）"), min_value=0, initial=0, required=False
    )
    funds_raised = forms.DecimalField(
        label=_("筹措项目资金（元）"),
        min_value=0,
        decimal_places=2,
        max_digits=14,
        initial=0,
        required=False,
    )
    deeds_done = forms.IntegerField(
        label=_("办实事好事（件）"), min_value=0, initial=0, required=False
    )
    completes = forms.TypedMultipleChoiceField(
        label=_("这次活动完成的年度任务"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选后，任务即记为完成（任务不能手工标记完成）。"),
    )
    photos = MultipleFileField(
        label=_("照片和材料"),
        required=False,
        help_text=_("可选多个文件：JPG、PNG或PDF等，每个不超过10MB。"),
    )

    def __init__(self, *args, tasks=(), done_ids=frozenset(), correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        done = str(_("（已完成）"))
        self.fields["completes"].choices = [
            (
                t.pk,
                f"{t.year}年 {t.get_category_display()}：{t.title}"
                + (done if t.pk in done_ids else ""),
            )
            for t in tasks
        ]
        if not tasks:
            del self.fields["completes"]
        _no_future(self, "held_on")
        if correcting:
            self.fields["reason"] = forms.CharField(label=_("更正原因"), max_length=300)
            self.fields["photos"].label = _("补充照片和材料")


class LiaisonForm(ChineseForm):
    member = forms.ModelChoiceField(label=_("联系委员"), queryset=Member.objects.none())
    partner = forms.ModelChoiceField(label=_("联系的两新组织"), queryset=Partner.objects.none())
    started_on = _date(_("开始日期"))
    ended_on = _date(_("结束日期"), required=False, help_text=_("还在联系的不用填。"))

    def __init__(self, *args, members, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = _member_field(_("联系委员"), members.select_related("org"))
        self.fields["partner"].queryset = partners
        _no_future(self, "started_on")


class DispatchForm(ChineseForm):
    role = forms.ChoiceField(label=_("身份"), choices=[("", "——")] + list(DispatchRole.choices))
    member = forms.ModelChoiceField(label=_("派出人员"), queryset=Member.objects.none())
    partner = forms.ModelChoiceField(label=_("派驻单位"), queryset=Partner.objects.none())
    started_on = _date(_("派驻开始"))
    ended_on = _date(_("派驻结束"), required=False, help_text=_("还在派驻的不用填。"))

    def __init__(self, *args, members, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = _member_field(_("派出人员"), members.select_related("org"))
        self.fields["partner"].queryset = partners
        _no_future(self, "started_on")


class AssignmentEditForm(ChineseForm):
    """Corrects a 挂点联系 (is_dispatch False) or a 派驻 (True)."""

    role = forms.ChoiceField(label=_("身份"), choices=list(DispatchRole.choices))
    member = forms.ModelChoiceField(label=_("人员"), queryset=Member.objects.none())
    partner = forms.ModelChoiceField(label=_("单位"), queryset=Partner.objects.none())
    started_on = _date(_("开始日期"))
    ended_on = _date(_("结束日期"))
    reason = _reason()

    def __init__(self, *args, record, members, partners, is_dispatch: bool, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(
            Q(pk__in=members.values("pk")) | Q(pk=record.member_id)
        ).order_by("stroke_key", "id")
        self.fields["member"] = _member_field(
            _("派出人员") if is_dispatch else _("联系委员"), members.select_related("org")
        )
        self.fields["partner"].queryset = Partner.objects.filter(
            Q(pk__in=partners.values("pk")) | Q(pk=record.partner_id)
        ).order_by("kind", "name")
        self.fields["partner"].label = _("派驻单位") if is_dispatch else _("联系的两新组织")
        if not is_dispatch:
            del self.fields["role"]
        if record.ended_on is None:
            del self.fields["ended_on"]
        _no_future(self, "started_on", "ended_on")


class ContactForm(ChineseForm):
    happened_on = _date(_("日期"), initial=timezone.localdate)
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_future(self, "happened_on")


class ContactCorrectForm(ContactForm):
    reason = _reason()


class EndAssignmentForm(ChineseForm):
    ended_on = _date(_("结束日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("结束原因"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_future(self, "ended_on")
