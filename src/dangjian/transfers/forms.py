"""Field shapes only; the rules live in transfers.services."""

from django import forms
from django.utils import timezone

from dangjian.core.forms import ChineseForm
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    Gender,
    MemberCategory,
    Occupation,
)
from dangjian.transfers.models import FloatingDirection, ReportMethod, TransferKind

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTHS = [(m, f"{m}月") for m in range(1, 13)]


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.org}）"


class OrgChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class TransferForm(ChineseForm):
    member = MemberChoice(label="党员", queryset=None, empty_label="请选择党员")
    kind = forms.ChoiceField(
        label="转往",
        choices=[
            (TransferKind.WITHIN, "本系统内的党支部"),
            (TransferKind.OUT, "本系统以外的党组织（由工委代为开具介绍信）"),
        ],
        widget=forms.RadioSelect,
        initial=TransferKind.WITHIN,
    )
    to_org = OrgChoice(
        label="转入党支部（系统内）", queryset=None, required=False, empty_label="请选择党支部"
    )
    to_name = forms.CharField(label="接收党组织全称（系统外）", max_length=200, required=False)
    to_address = forms.CharField(label="接收党组织地址（系统外）", max_length=200, required=False)
    reason = forms.CharField(
        label="转接原因", max_length=200, help_text="例如：工作调动、退休回原籍、长期外出务工。"
    )
    dues_year = forms.IntegerField(label="党费交至（年）", min_value=1921, max_value=2100)
    dues_month = forms.TypedChoiceField(label="党费交至（月）", choices=MONTHS, coerce=int)
    contact_phone = forms.CharField(
        label="本党组织联系电话",
        max_length=30,
        required=False,
        help_text="印在介绍信上，方便接收方联系。",
    )
    validity_days = forms.IntegerField(
        label="有效期（天）",
        required=False,
        min_value=1,
        help_text="不填则按现行规定的最长有效期；可以缩短，不能延长。",
    )

    def __init__(self, *args, members, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["to_org"].queryset = orgs
        today = timezone.localdate()
        self.fields["dues_year"].initial = today.year
        self.fields["dues_month"].initial = today.month


class IncomingForm(ChineseForm):
    to_org = OrgChoice(label="接收党支部", queryset=None, empty_label="请选择党支部")
    from_name = forms.CharField(label="开具介绍信的党组织", max_length=200)
    letter_number = forms.CharField(
        label="来信编号", max_length=60, help_text="照抄介绍信上的编号。"
    )
    issued_on = forms.DateField(label="来信开具日期", widget=_DATE)
    validity_days = forms.IntegerField(label="来信有效期（天）", min_value=1)
    reason = forms.CharField(label="转接原因", max_length=200)
    dues_year = forms.IntegerField(label="党费交至（年）", min_value=1921, max_value=2100)
    dues_month = forms.TypedChoiceField(label="党费交至（月）", choices=MONTHS, coerce=int)
    person_name = forms.CharField(label="姓名", max_length=50)
    person_gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    person_ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial="汉族")
    person_id_number = forms.CharField(label="居民身份证号", max_length=18)
    person_birth_date = forms.DateField(label="出生日期", widget=_DATE)
    person_education = forms.ChoiceField(label="学历", choices=Education.choices)
    person_occupation = forms.ChoiceField(label="职业", choices=Occupation.choices)
    person_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    person_joined_on = forms.DateField(label="入党日期", widget=_DATE)
    person_confirmed_on = forms.DateField(label="转正日期", widget=_DATE, required=False)
    person_category = forms.ChoiceField(label="党员类别", choices=MemberCategory.choices)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = orgs
        today = timezone.localdate()
        self.fields["dues_year"].initial = today.year
        self.fields["dues_month"].initial = today.month

    def person(self) -> dict:
        d = self.cleaned_data
        return {k[len("person_") :]: d.get(k) for k in self.fields if k.startswith("person_")}


class StepForm(ChineseForm):
    on = forms.DateField(label="日期", widget=_DATE)
    reason = forms.CharField(
        label="原因", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    validity_days = forms.IntegerField(label="有效期（天）", required=False, min_value=1)
    reported_on = forms.DateField(label="报到日期（见回执）", widget=_DATE, required=False)


class FloatingForm(ChineseForm):
    direction = forms.ChoiceField(
        label="流动方向",
        choices=FloatingDirection.choices,
        widget=forms.RadioSelect,
        initial=FloatingDirection.OUT,
    )
    member = MemberChoice(
        label="外出的党员（本支部）", queryset=None, required=False, empty_label="请选择党员"
    )
    person_name = forms.CharField(label="流入人员姓名", max_length=50, required=False)
    home_name = forms.CharField(label="流入人员原所在党组织", max_length=200, required=False)
    org = OrgChoice(
        label="接纳的党支部（流入）", queryset=None, required=False, empty_label="请选择党支部"
    )
    place = forms.CharField(
        label="流动地点",
        max_length=200,
        help_text="外出：到达的地点；流入：在本地的工作或居住地点。",
    )
    host_org = OrgChoice(
        label="流入地党支部（系统内）", queryset=None, required=False, empty_label="不在本系统内"
    )
    host_name = forms.CharField(label="流入地党组织名称（系统外）", max_length=200, required=False)
    started_on = forms.DateField(label="外出（流入）日期", widget=_DATE)
    expected_return = forms.DateField(label="预计返回日期", widget=_DATE, required=False)
    reason = forms.CharField(
        label="流动原因", max_length=200, help_text="例如：外出务工、经商、学习、随迁。"
    )
    contact = forms.CharField(label="联系方式", max_length=100, required=False)
    card_number = forms.CharField(
        label="流动党员活动证编号",
        max_length=60,
        required=False,
        help_text="活动证由基层党委发放；没有可不填。",
    )
    card_issued_on = forms.DateField(label="活动证发放日期", widget=_DATE, required=False)

    def __init__(self, *args, members, orgs, all_branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["org"].queryset = orgs
        self.fields["host_org"].queryset = all_branches


class ReportForm(ChineseForm):
    reported_on = forms.DateField(label="汇报日期", widget=_DATE)
    method = forms.ChoiceField(label="汇报方式", choices=ReportMethod.choices)
    content = forms.CharField(label="汇报内容", widget=forms.Textarea(attrs={"rows": 3}))


class EndForm(ChineseForm):
    on = forms.DateField(label="返回（离开）日期", widget=_DATE)
