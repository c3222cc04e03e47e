"""One FilterSet for applicants (list page; the same one would serve an export or API)."""

import django_filters
from django import forms

from dangjian.development.models import Applicant, ApplicantStatus, Stage
from dangjian.members.selectors import search_people


class ApplicantFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="姓名/拼音/身份证号")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label="阶段", empty_label="全部")
    status = django_filters.ChoiceFilter(
        choices=ApplicantStatus.choices, label="状态", empty_label="全部"
    )
    approved_year = django_filters.NumberFilter(
        field_name="approved_on", lookup_expr="year", label="批准年度", widget=forms.HiddenInput
    )

    class Meta:
        model = Applicant
        fields = ["q", "stage", "status", "approved_year"]

    def filter_q(self, queryset, name, value):
        return search_people(queryset, value)

    @property
    def qs(self):
        return super().qs.order_by("stroke_key", "id")
