from django import forms

from dangjian.core.forms import ChineseForm
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    Gender,
    MemberCategory,
    Occupation,
)

_DATE = forms.DateInput(attrs={"type": "date"})


class MemberForm(ChineseForm):
    """Field shapes only; the rules live in members.services.clean_member_data."""

    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial="汉族")
    id_number = forms.CharField(label="居民身份证号", max_length=18, help_text="18位，出生日期和性别将与身份证号核对。")
    birth_date = forms.DateField(label="出生日期", widget=_DATE)
    education = forms.ChoiceField(label="学历", choices=Education.choices)
    occupation = forms.ChoiceField(label="职业", choices=Occupation.choices)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    joined_on = forms.DateField(label="入党日期", widget=_DATE)
    confirmed_on = forms.DateField(label="转正日期", widget=_DATE, required=False)
    category = forms.ChoiceField(label="党员类别", choices=MemberCategory.choices)


class ContactForm(ChineseForm):
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
