import django_tables2 as tables

from dangjian.members.models import Member


class MemberTable(tables.Table):
    name = tables.Column(linkify=("members:detail", {"pk": tables.A("pk")}), verbose_name="姓名", orderable=False)
    gender = tables.Column(verbose_name="性别", orderable=False)
    ethnicity = tables.Column(verbose_name="民族", orderable=False)
    birth_date = tables.DateColumn(format="Y年n月j日", verbose_name="出生日期", orderable=False)
    id_number_masked = tables.Column(verbose_name="身份证号", orderable=False)
    education = tables.Column(verbose_name="学历", orderable=False)
    category = tables.Column(verbose_name="类别", orderable=False)
    joined_on = tables.DateColumn(format="Y年n月j日", verbose_name="入党日期", orderable=False)
    status = tables.Column(verbose_name="党籍状态", orderable=False)
    org = tables.Column(verbose_name="所在党组织", orderable=False)

    class Meta:
        model = Member
        fields = ("name", "gender", "ethnicity", "birth_date", "id_number_masked", "education", "category", "joined_on", "status", "org")
        attrs = {"class": "members"}
        empty_text = "没有符合条件的党员。"
