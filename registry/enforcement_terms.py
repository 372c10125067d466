"""The words of enforcement, Vietnamese first and English second, for each closed list's code.

Written once here because notices, the yearly report, the statistics page and the API's
documentation all say them; ``docs/inspectors-and-admins.md`` lists the same table.
"""

from __future__ import annotations

from registry.vocabulary import Finding, Method, Sanction

FINDINGS: dict[str, tuple[str, str]] = {
    Finding.CONFORMING: ("Phù hợp", "Conforming"),
    Finding.NO_CERTIFICATE: ("Không có chứng nhận/công bố hợp quy", "No certificate or declaration"),
    Finding.MARK_MISUSED: ("Sử dụng sai dấu hợp quy", "Conformity mark misused"),
    Finding.SUSPECTED_COUNTERFEIT: ("Nghi hàng giả", "Suspected counterfeit"),
    Finding.OTHER: ("Khác", "Other"),
}

METHODS: dict[str, tuple[str, str]] = {
    Method.FORGED_MARK: ("Làm giả dấu hợp quy", "Forged conformity mark"),
    Method.COPIED_QR: ("Sao chép mã QR/mã dấu của thiết bị khác", "QR code or mark code copied from another device"),
    Method.RELABELLED_GREY_IMPORT: ("Dán nhãn lại hàng nhập khẩu không chính ngạch",
                                    "Grey import relabelled as a certified model"),
    Method.OTHER_MODEL_CERTIFICATE: ("Dùng chứng nhận của model khác", "Certificate of another model"),
    Method.EXPIRED_CERTIFICATE_PRINTED: ("Vẫn in chứng nhận đã hết hiệu lực", "Expired certificate still printed"),
    Method.NO_CERTIFICATE: ("Kinh doanh thiết bị không có chứng nhận/công bố",
                            "Sold with no certificate or declaration"),
    Method.OTHER: ("Thủ đoạn khác", "Other method"),
}

SANCTIONS: dict[str, tuple[str, str]] = {
    Sanction.WARNING: ("Cảnh cáo", "Warning"),
    Sanction.FINE: ("Phạt tiền", "Fine"),
    Sanction.CONFISCATION: ("Tịch thu tang vật", "Confiscation"),
    Sanction.SUSPEND_CERTIFICATE: ("Đình chỉ hiệu lực chứng nhận", "Certificate suspended"),
    Sanction.REVOKE_CERTIFICATE: ("Thu hồi chứng nhận", "Certificate revoked"),
}


def vi(table: dict[str, tuple[str, str]], codes: list[str]) -> str:
    """The Vietnamese words of ``codes``, joined as a notice writes them."""
    return "; ".join(table[c][0] for c in codes if c in table)


def money(amount: int) -> str:
    """12500000 -> '12.500.000 đồng', as Vietnamese documents write amounts."""
    return f"{amount:,} đồng".replace(",", ".")
