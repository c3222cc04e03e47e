from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ChineseForm
from dangjian.life.models import AppraisalResult, FollowUpDecision, Meeting, MeetingKind
from dangjian.members.models import Member


class MeetingForm(ChineseForm):
    kind = forms.ChoiceField(label=_("类别"), choices=[("", "——")] + list(MeetingKind.choices))
    held_on = forms.DateField(label=_("召开日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("主题"), max_length=300)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    chair = forms.ModelChoiceField(
        label=_("主持人"), queryset=Member.objects.none(), required=False
    )
    minutes = forms.CharField(
        label=_("会议记录"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    decisions = forms.CharField(
        label=_("决定事项"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, roster=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = Member.objects.filter(
            pk__in=[m.pk for m in roster]
        ).order_by("stroke_key", "id")
        self.fields["chair"].label_from_instance = lambda m: m.name
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class CorrectionForm(MeetingForm):
    reason = forms.CharField(
        label=_("更正原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明更正原因。")},
        help_text=_("必填。例如：日期记错了；张三当天实际请假。更正原因会显示在会议记录页。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].widget.format = "%Y-%m-%d"


class AppraisalForm(ChineseForm):
    year = forms.TypedChoiceField(label=_("评议年度"), coerce=int)
    held_on = forms.DateField(label=_("评议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    meeting = forms.ModelChoiceField(
        label=_("召开评议的组织生活会"),
        queryset=Meeting.objects.none(),
        required=False,
        help_text=_("可不选；先在“记录一次会议”中记录组织生活会，这里就可以选到。"),
    )
    note = forms.CharField(
        label=_("评议情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, org, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, _("%(y)s年") % {"y": y}) for y in years]
        self.fields["meeting"].queryset = Meeting.objects.filter(
            org=org, kind=MeetingKind.LIFE_MEETING
        ).order_by("-held_on")
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{m.held_on.year}年{m.held_on.month}月{m.held_on.day}日 {m.topic}"
        )
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class EntryForm(ChineseForm):
    result = forms.ChoiceField(
        label=_("评议结果"), choices=AppraisalResult.choices, widget=forms.RadioSelect
    )
    decision = forms.ChoiceField(
        label=_("处置意见"),
        choices=[("", "——")] + list(FollowUpDecision.choices),
        required=False,
        help_text=_("基本合格的党员一律限期改正；不合格的党员限期改正，或劝其退党、予以除名。"),
    )
    deadline = forms.DateField(
        label=_("改正期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    help_measure = forms.CharField(label=_("帮扶措施"), required=False, max_length=500)


class CloseForm(ChineseForm):
    closed_on = forms.DateField(label=_("办结日期"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.CharField(
        label=_("处置结果"),
        max_length=500,
        help_text=_("例如：经帮扶已改正，支部大会同意；或：限期内无转变，已劝其退党。"),
    )
