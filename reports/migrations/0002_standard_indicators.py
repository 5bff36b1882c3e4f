"""The standard indicator catalogue of PRODUCT.md §6 (codes are what other tools read)."""

from django.db import migrations

STANDARD = [
    # code, Vietnamese name, English name, unit, measure
    ("members_admitted", "Kết nạp đoàn viên mới", "New members admitted", "people", "count"),
    ("members_net_growth", "Đoàn viên tăng thực", "Net growth in members", "people", "net_change"),
    ("members_total", "Tổng số đoàn viên", "Members in total", "people", "stock"),
    ("members_female", "Đoàn viên nữ", "Women members", "people", "stock"),
    ("grassroots_established", "Thành lập công đoàn cơ sở mới", "New grassroots unions", "unions", "count"),
    (
        "grassroots_established_25plus",
        "Thành lập CĐCS ở doanh nghiệp có từ 25 lao động trở lên",
        "New grassroots unions in enterprises with 25+ workers",
        "unions",
        "count",
    ),
    (
        "party_introduced",
        "Giới thiệu đoàn viên ưu tú cho Đảng xem xét kết nạp",
        "Outstanding members introduced to the Party",
        "people",
        "count",
    ),
    ("party_admitted", "Đoàn viên ưu tú được kết nạp Đảng", "Members admitted to the Party", "people", "count"),
    ("shelters_handed_over", "Mái ấm Công đoàn bàn giao", "Union Shelters handed over", "houses", "count"),
    ("tet_care_person_times", "Chăm lo Tết (lượt)", "Tet care (person-times)", "person_times", "count"),
    ("tet_care_amount", "Kinh phí chăm lo Tết", "Tet care (VND)", "vnd", "money"),
    ("union_meals", "Bữa cơm Công đoàn", "Trade Union Meals", "meals", "count"),
    (
        "agency_conference_rate",
        "Tỷ lệ cơ quan, đơn vị tổ chức hội nghị cán bộ, công chức, viên chức",
        "Agencies that held their annual conference",
        "percent",
        "ratio",
    ),
    ("members_per_worker", "Tỷ lệ đoàn viên trên số lao động", "Members per worker", "percent", "ratio"),
    ("social_fund_raised", "Vận động Quỹ xã hội", "Social fund raised", "vnd", "money"),
]


def create(apps, schema_editor):
    Indicator = apps.get_model("reports", "Indicator")
    for position, (code, name_vi, name_en, unit, measure) in enumerate(STANDARD, start=1):
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name_vi": name_vi,
                "name_en": name_en,
                "unit": unit,
                "measure": measure,
                "source": "records",
                "position": position * 10,
            },
        )


def remove(apps, schema_editor):
    Indicator = apps.get_model("reports", "Indicator")
    Indicator.objects.filter(code__in=[row[0] for row in STANDARD], targets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
