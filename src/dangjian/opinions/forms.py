from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ChineseForm
from dangjian.opinions.models import Category, Channel, Level, Place, Satisfaction, Unit


def place_field(required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Place.objects.filter(is_active=True).order_by("town", "name"),
        label=_("所在社区（村）"),
        required=required,
        empty_label=_("请选择"),
    )


def category_field(label=None, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("parent__name", "name"),
        label=label or _("问题类别"),
        required=required,
        empty_label=_("不清楚（由工作人员分类）") if not required else _("请选择"),
    )


class SubmitForm(ChineseForm):
    """The citizen's page: the text first, then where; name and phone are optional."""

    text = forms.CharField(
        label=_("您反映的问题或建议"),
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": _("请写清楚什么地方、什么问题、希望怎样解决")}
        ),
        max_length=5000,
    )
    place = place_field()
    category = category_field()
    name = forms.CharField(label=_("姓名（可不填）"), required=False, max_length=50)
    phone = forms.CharField(
        label=_("手机号码（可不填）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("留下电话，办理单位可以联系您、回访您。只有经办人员能看到。"),
    )


class TrackForm(ChineseForm):
    receipt = forms.CharField(
        label=_("回执编号"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "XXXX-XXXX-XXXX"}),
    )


class RateForm(ChineseForm):
    result = forms.ChoiceField(
        label=_("您对答复是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见（不满意时请说明原因）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


STAFF_CHANNELS = [
    (v, label) for v, label in Channel.choices if v not in (Channel.ONLINE, Channel.IMPORT)
]


class StaffOpinionForm(ChineseForm):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=STAFF_CHANNELS)
    text = forms.CharField(
        label=_("意见内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    place = place_field()
    category = category_field()
    received_at = forms.DateTimeField(
        label=_("收到时间"), required=False, help_text=_("不填为现在；格式如 2026-05-06 09:30")
    )
    name = forms.CharField(label=_("反映人姓名"), required=False, max_length=50)
    phone = forms.CharField(label=_("反映人电话"), required=False, max_length=20)
    intake_org = forms.ChoiceField(label=_("受理党组织"))


class RouteForm(ChineseForm):
    level = forms.ChoiceField(
        label=_("办理层级"), choices=[("", _("请选择"))] + list(Level.choices)
    )
    category = category_field(_("类别"), required=True)
    lead = forms.ModelChoiceField(
        Unit.objects.filter(is_active=True), label=_("主办单位"), empty_label=_("请选择")
    )
    co_units = forms.ModelMultipleChoiceField(
        Unit.objects.filter(is_active=True),
        label=_("协办单位（可多选）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lead_text = forms.CharField(
        label=_("交办要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    deadline = forms.DateField(
        label=_("办理期限"), required=False, help_text=_("不填则按办理层级和类别的时限自动计算")
    )
