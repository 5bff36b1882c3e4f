"""Shared form pieces."""

import pytest
from django import forms
from django.test.html import parse_html

from federation.forms import QuickSelect

CHOICES = [
    ("", "All unions"),
    ("Direct-superior unions (all below)", [("7", "Công đoàn Khu công nghiệp <Đông> (C07)")]),
    ("Grassroots unions", [("12", 'Công ty "Mai Linh" & Co (G12)'), ("13", "Trường THPT Lê Lợi (G13)")]),
]


def _both(value, **attrs):
    django_select = forms.Select(attrs=attrs, choices=CHOICES)
    quick = QuickSelect(attrs=attrs, choices=CHOICES)
    return django_select.render("union", value), quick.render("union", value)


@pytest.mark.parametrize("value", [None, "", "12", "7", "99", 13])
def test_quick_select_writes_what_djangos_select_renders(value):
    expected, quick = _both(value, **{"class": "form-select", "data-filterable": "true", "id": "id_union"})
    assert parse_html(quick) == parse_html(expected)
    assert quick.count(" selected") == (0 if value == "99" else 1)


def test_quick_select_escapes_labels_and_values():
    _expected, quick = _both("13")
    assert "&lt;Đông&gt;" in quick and "&quot;Mai Linh&quot; &amp; Co" in quick
    assert '<option value="13" selected>' in quick
