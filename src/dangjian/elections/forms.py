from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ChineseForm
from dangjian.elections.models import Body, Office, PostChangeKind
from dangjian.orgs.models import Portfolio


def _date(label, **kw):
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kw
    )


class TermForm(ChineseForm):
    started_on = _date(_("本届开始日期（选举大会召开日期）"))
    body = forms.ChoiceField(label=_("班子"), choices=Body.choices)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        if org is not None:
            allowed = [Body.BRANCH_COMMITTEE, Body.SECRETARY] if org.is_branch else [Body.COMMITTEE]
            self.fields["body"].choices = [(b.value, b.label) for b in allowed]
        self.fields["started_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class TermChangeForm(ChineseForm):
    new_due_on = _date(
        _("拟换届日期"), help_text=_("晚于届满日期为延期换届，早于为提前换届；一般不超过1年。")
    )
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))
    exception_basis = forms.CharField(
        label=_("超过1年的特殊情况及依据"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("只有超过1年时才填写：写明特殊情况和上级同意的文件。"),
    )


class DecisionForm(ChineseForm):
    note = forms.CharField(
        label=_("批复意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回或不予批准时必须写明理由。"),
    )


class PlanForm(ChineseForm):
    plan = forms.CharField(
        label=_("换届工作方案"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("时间安排、选举办法、候选人酝酿方式、监票人和计票人等。"),
    )
    seats = forms.IntegerField(label=_("委员应选名额"), min_value=1, max_value=99)
    proposed_candidates = forms.IntegerField(
        label=_("拟提名候选人数"),
        min_value=1,
        max_value=200,
        help_text=_("差额选举：候选人数应比应选名额多20%以上（进一法），如应选3名至少4名。"),
    )
    deputy_seats = forms.IntegerField(
        label=_("副书记名额"), min_value=0, max_value=5, initial=0, required=False
    )
    leaders_same_meeting = forms.BooleanField(
        label=_("书记、副书记在选举大会后的委员会第一次全体会议上选举"),
        required=False,
        initial=True,
    )
    planned_on = _date(_("拟召开选举大会日期"), required=False)


class MeetingForm(ChineseForm):
    meeting_on = _date(_("选举大会日期"))
    present = forms.IntegerField(label=_("实到会有选举权人数"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class CountForm(ChineseForm):
    ballots_issued = forms.IntegerField(label=_("发出选票"), min_value=0)
    ballots_returned = forms.IntegerField(label=_("收回选票"), min_value=0)


class LeaderRoundForm(ChineseForm):
    held_on = _date(_("委员会全体会议日期"))
    present = forms.IntegerField(label=_("到会委员人数"), min_value=0)


class PostChangeForm(ChineseForm):
    kind = forms.ChoiceField(label=_("事项"), choices=PostChangeKind.choices)
    office = forms.ChoiceField(label=_("职务"), choices=Office.choices)
    member = forms.TypedChoiceField(label=_("党员"), coerce=int)
    portfolio = forms.ChoiceField(
        label=_("分工（委员）"), choices=Portfolio.choices, required=False
    )
    effective_on = _date(
        _("生效日期"), help_text=_("报上级党组织批复后生效；增补的任期至本届届满。")
    )
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "——")] + [(m.pk, m.name) for m in members]
