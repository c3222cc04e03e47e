from django import forms

from dangjian.core.forms import ChineseForm
from dangjian.orgs.models import Organization, OrgType, Portfolio, PostKind, RequestKind, Sector


class RequestForm(ChineseForm):
    kind = forms.ChoiceField(label="申请事项", choices=RequestKind.choices)
    target = forms.ModelChoiceField(
        label="目标组织（调整隶属关系时为新的上级；合并时为并入的组织）",
        queryset=Organization.objects.none(),
        required=False,
    )
    name = forms.CharField(label="新组织全称（设立时填写）", required=False, max_length=200)
    short_name = forms.CharField(label="简称", required=False, max_length=60)
    code = forms.CharField(label="组织代码", required=False, max_length=32)
    org_type = forms.ChoiceField(label="组织类别", choices=[("", "—"), *OrgType.choices], required=False)
    sector = forms.ChoiceField(label="所在单位类别", choices=[("", "—"), *Sector.choices], required=False)
    founded_on = forms.DateField(label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="申请理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets if targets is not None else Organization.objects.none()


class DecisionForm(ChineseForm):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "不予批准")], widget=forms.RadioSelect, label="审批结果")
    note = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OrgEditForm(ChineseForm):
    name = forms.CharField(label="全称", max_length=200)
    short_name = forms.CharField(label="简称", max_length=60, required=False)
    sector = forms.ChoiceField(label="所在单位类别", choices=[("", "—"), *Sector.choices], required=False)
    unit_name = forms.CharField(label="所在单位", max_length=200, required=False)
    founded_on = forms.DateField(label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AppointForm(ChineseForm):
    member = forms.ModelChoiceField(label="党员", queryset=None)
    kind = forms.ChoiceField(label="职务", choices=PostKind.choices)
    portfolio = forms.ChoiceField(label="分工", choices=Portfolio.choices, required=False)
    term_start = forms.DateField(label="任期开始", widget=forms.DateInput(attrs={"type": "date"}))
    term_end = forms.DateField(label="任期届满", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class EndPostForm(ChineseForm):
    ended_on = forms.DateField(label="离任日期", widget=forms.DateInput(attrs={"type": "date"}))
    ended_reason = forms.CharField(label="离任原因", max_length=200)
