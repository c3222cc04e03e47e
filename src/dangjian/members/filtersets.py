"""One FilterSet for members: it serves the list page, the export and the API."""

import django_filters
from django import forms

from dangjian.members.choices import Education, Gender, MemberCategory, MemberStatus, Occupation
from dangjian.members.models import Member
from dangjian.members.selectors import search_people

ORDERINGS = {
    "stroke": ("stroke_key", "id"),
    "-stroke": ("-stroke_key", "-id"),
    "pinyin": ("pinyin", "id"),
    "joined_on": ("joined_on", "id"),
    "-joined_on": ("-joined_on", "-id"),
    "birth_date": ("birth_date", "id"),
    "-birth_date": ("-birth_date", "-id"),
}


class MemberFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="姓名/拼音首字母/身份证号")
    category = django_filters.ChoiceFilter(choices=MemberCategory.choices, label="党员类别", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=MemberStatus.choices, label="党籍状态", empty_label="全部")
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label="性别", empty_label="全部")
    education = django_filters.ChoiceFilter(choices=Education.choices, label="学历", empty_label="全部")
    occupation = django_filters.ChoiceFilter(choices=Occupation.choices, label="职业", empty_label="全部")
    joined_after = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="gte", label="入党日期自", widget=forms.DateInput(attrs={"type": "date"})
    )
    joined_before = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="lte", label="入党日期至", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="排序",
        empty_label="姓氏笔画",
        choices=[
            ("pinyin", "姓名拼音"),
            ("joined_on", "入党日期（早→晚）"),
            ("-joined_on", "入党日期（晚→早）"),
            ("birth_date", "年龄（大→小）"),
            ("-birth_date", "年龄（小→大）"),
        ],
    )

    class Meta:
        model = Member
        fields = ["q", "category", "status", "gender", "education", "occupation"]

    def filter_q(self, queryset, name, value):
        return search_people(queryset, value)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS.get(value, ORDERINGS["stroke"]))

    @property
    def qs(self):
        qs = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            qs = qs.order_by(*ORDERINGS["stroke"])
        return qs
