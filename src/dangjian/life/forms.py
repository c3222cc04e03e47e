from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ChineseForm
from dangjian.life.models import MeetingKind
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
