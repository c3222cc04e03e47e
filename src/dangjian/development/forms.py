"""Forms for 发展党员 pages. They only collect input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.forms import ChineseForm
from dangjian.development import steps as S
from dangjian.development.models import ConfirmOutcome, DecisionBody
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    Gender,
    MemberCategory,
    MemberStatus,
    Occupation,
)
from dangjian.members.models import Member


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ApplicantForm(ChineseForm):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial="汉族")
    id_number = forms.CharField(
        label="身份证号", max_length=18, help_text="出生日期和性别将与身份证号核对。"
    )
    birth_date = forms.DateField(
        label="出生日期", widget=DateInput, required=False, help_text="可不填，由身份证号得出。"
    )
    education = forms.ChoiceField(label="学历", choices=Education.choices)
    occupation = forms.ChoiceField(
        label="职业", choices=Occupation.choices, initial=Occupation.OFFICIAL
    )
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    work_unit = forms.CharField(label="工作单位", max_length=200, required=False)
    position = forms.CharField(label="职务", max_length=100, required=False)
    applied_on = forms.DateField(
        label="递交入党申请书日期",
        widget=DateInput,
        help_text="党组织收到入党申请书的日期，即步骤①的日期。",
    )


class StopForm(ChineseForm):
    on = forms.DateField(label="终止日期", widget=DateInput, initial=timezone.localdate)
    reason = forms.CharField(
        label="终止原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class OneMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def full_members_of(applicant, actor):
    """The branch's full members in good standing (培养联系人, 入党介绍人 and 谈话人 choices)."""
    from dangjian.core.scope import restrict

    qs = Member.objects.filter(
        org=applicant.org, category=MemberCategory.FULL, status=MemberStatus.NORMAL
    )
    return restrict(actor, "view", qs).order_by("stroke_key", "id")


class StepForm(ChineseForm):
    """The fields of one step: only those it needs (steps.Step.needs)."""

    done_on = forms.DateField(label="日期", widget=DateInput)

    def __init__(
        self,
        *args,
        step: S.Step,
        applicant,
        actor,
        can_exception: bool,
        correcting=None,
        publicity=False,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.step = step
        needs = step.needs
        members = full_members_of(applicant, actor)
        f = self.fields
        f["done_on"].label = {1: "递交申请书日期", 15: "支部大会日期", 23: "支部大会日期"}.get(
            step.number, "日期"
        )
        if S.TALKER in needs:
            f["talker"] = forms.CharField(
                label="谈话人",
                max_length=100,
                required=False,
                help_text="填写姓名和职务，或在旁边从本支部党员中选择。",
            )
            if step.number == 2:
                f["talker_member"] = OneMemberField(
                    queryset=members,
                    required=False,
                    label="或选择谈话的党员",
                    empty_label="（不选）",
                )
        if S.DECISION in needs:
            f["decision_body"] = forms.ChoiceField(
                label="决定机构",
                choices=DecisionBody.choices,
                initial=DecisionBody.BRANCH_COMMITTEE,
            )
        if S.CONTACTS in needs:
            f["contacts"] = MemberChoiceField(
                queryset=members, label="培养联系人", widget=forms.CheckboxSelectMultiple,
                help_text="选择1至2名正式党员。",
            )  # fmt: skip
        if S.INTRODUCERS in needs:
            f["introducers"] = MemberChoiceField(
                queryset=members, label="入党介绍人", widget=forms.CheckboxSelectMultiple,
                help_text="选择2名正式党员，一般由培养联系人担任。",
            )  # fmt: skip
        if S.VETTING in needs:
            f["passed"] = forms.TypedChoiceField(
                label="政审结论", choices=[("1", "合格"), ("0", "不合格")], coerce=lambda v: v == "1",
                widget=forms.RadioSelect, initial="1",
            )  # fmt: skip
        if S.APPROVAL in needs:
            yes, no = ("通过", "未通过") if step.number == 13 else ("批准", "不批准")
            f["passed"] = forms.TypedChoiceField(
                label="结论", choices=[("1", yes), ("0", no)], coerce=lambda v: v == "1",
                widget=forms.RadioSelect, initial="1",
            )  # fmt: skip
        if S.TRAINING in needs:
            f["training_days"] = forms.IntegerField(label="培训天数", min_value=0, required=False)
            f["training_hours"] = forms.IntegerField(label="培训学时", min_value=0, required=False)
        if S.VOTE in needs:
            f["votes_expected"] = forms.IntegerField(
                label="应到会有表决权的正式党员（人）",
                min_value=0,
                help_text="已按本支部正式党员人数填好；经上级党组织同意不计入的，请相应扣除。",
            )
            f["votes_present"] = forms.IntegerField(
                label="实到会有表决权的正式党员（人）", min_value=0
            )
            f["votes_for"] = forms.IntegerField(
                label="赞成票（票）",
                min_value=0,
                help_text="含因故不能到会的党员会前书面表达的赞成意见。",
            )
        if S.CONFIRM in needs:
            f["confirm_outcome"] = forms.ChoiceField(
                label="转正结论",
                choices=ConfirmOutcome.choices,
                widget=forms.RadioSelect,
                initial=ConfirmOutcome.ON_TIME,
            )
            if step.number == 23:
                f["extend_months"] = forms.IntegerField(
                    label="延长预备期（月）",
                    required=False,
                    min_value=0,
                    help_text="仅在“延长预备期”时填写，6至12个月。",
                )
        if S.PUBLICITY in needs and publicity:
            f["publicity_start"] = forms.DateField(
                label="公示开始日期", widget=DateInput, required=False
            )
            f["publicity_end"] = forms.DateField(
                label="公示结束日期", widget=DateInput, required=False
            )
        f["notes"] = forms.CharField(
            label="情况说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
        f["documents"] = MultipleFileField(
            label="上传材料",
            required=False,
            help_text="可多选；PDF、图片、OFD、Word或Excel文件，每个不超过10MB。",
        )
        if correcting is not None:
            f["correction_reason"] = forms.CharField(label="更正原因", max_length=500)
        if can_exception:
            f["exception_reason"] = forms.CharField(
                label="例外理由（仅特殊情况）",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="只有突破时限等规定、确属特殊情况时填写，写明依据（如党委会议纪要）；将永久显示在记录上。",
            )
