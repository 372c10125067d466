"""Vietnamese first, English by a switch that is remembered in a cookie."""

from __future__ import annotations

from functools import cache

from litestar import Request

from registry.catalogue import FIELDS

LANGS = ("vi", "en")
COOKIE = "lang"
_ASKED = "hopquy.lang"  # the request's language, kept in its scope once worked out

TEXT: dict[str, tuple[str, str]] = {
    "site_name": ("Hopquy — Tra cứu thiết bị hợp quy", "Hopquy — Certified device registry"),
    "tagline": ("Danh sách thiết bị viễn thông, CNTT đã được chứng nhận và công bố hợp quy",
                "Telecom and IT devices certified or declared conforming to Vietnam's regulations"),
    "search_label": ("Tìm theo model, số chứng nhận, mã dấu, nhãn hiệu, sản phẩm hoặc doanh nghiệp",
                     "Search by model, certificate number, mark code, brand, product or holder"),
    "search": ("Tìm kiếm", "Search"),
    "photo_label": ("Chụp nhãn: mã QR, mã vạch hoặc model in trên nhãn, trên hộp",
                    "Photo of the label: the QR code, barcode or model printed on the label or the box"),
    "photo_send": ("Tra từ ảnh", "Look up from the photo"),
    "photo_title": ("Tra cứu từ ảnh nhãn", "Looked up from a photo of the label"),
    "photo_read": ("Đã đọc được", "We read"),
    "photo_found": ("Giấy chứng nhận khớp với ảnh", "Certificates the photo names"),
    "photo_nothing_read": ("Không đọc được mã QR, mã vạch hay model nào trên ảnh. Hãy chụp gần và rõ hơn, hoặc gõ model.",
                           "No QR code, barcode or model could be read. Take the photo closer and sharper, or type the model."),
    "photo_nothing_found": ("Đã đọc được mã trên ảnh nhưng không có giấy chứng nhận nào khớp. Thiết bị có thể chưa được chứng nhận.",
                            "Codes were read, but no certificate matches them. The device may not be certified."),
    "photo_too_slow": ("Đọc chữ trên ảnh quá lâu. Hãy chụp riêng phần nhãn.",
                       "Reading the photo's text took too long. Take a photo of the label alone."),
    "photo_refused": ("Không dùng được ảnh này", "This photo cannot be used"),
    "photo_kept_not": ("Ảnh không được lưu lại.", "The photo is not kept."),
    "photo_here": ("Đọc ở đây trên ảnh", "Read here in the photo"),
    "photo_check_label": ("So nhãn thiết bị với giấy chứng nhận này: chụp nhãn hoặc hộp",
                          "Compare the device's label with this certificate: take a photo of the label or the box"),
    "photo_compare_match": ("Model trên nhãn là một model của giấy chứng nhận {number}.",
                            "The model on the label is one of certificate {number}'s models."),
    "photo_compare_mismatch": ("Không thấy model nào của giấy chứng nhận {number} trên ảnh. Nếu model trên thiết bị khác "
                               "các model dưới đây, mã QR có thể bị sao chép từ thiết bị khác.",
                               "None of certificate {number}'s models was read in the photo. If the device's model is "
                               "not one of those below, its QR code may have been copied from another device."),
    "results": ("kết quả", "results"),
    "no_results": ("Không tìm thấy thiết bị phù hợp.", "No matching device found."),
    "degraded": ("Tìm kiếm nhanh đang tạm gián đoạn: kết quả lấy trực tiếp từ cơ sở dữ liệu, có thể kém chính xác hơn.",
                 "Instant search is temporarily unavailable: these results come straight from the database and may be less precise."),
    "latest": ("Chứng nhận mới nhất", "Latest certificates"),
    "certificates": ("chứng nhận", "certificates"),
    "holders": ("doanh nghiệp", "holders"),
    "certificate_no": ("Số chứng nhận", "Certificate no."),
    "kind": ("Loại", "Kind"),
    "certificate": ("Chứng nhận hợp quy", "Certificate of conformity"),
    "declaration": ("Công bố hợp quy", "Declaration of conformity"),
    "product": ("Sản phẩm", "Product"),
    "brand": ("Nhãn hiệu", "Brand"),
    "models": ("Ký hiệu (model)", "Model(s)"),
    "manufacturer": ("Nhà sản xuất", "Manufacturer"),
    "origin": ("Xuất xứ", "Origin"),
    "holder": ("Tổ chức được cấp", "Holder"),
    "tax_code": ("Mã số thuế", "Tax code"),
    "regulations": ("Quy chuẩn kỹ thuật", "Technical regulations"),
    "method": ("Phương thức đánh giá", "Assessment method"),
    "lot_ref": ("Số lô", "Lot"),
    "body": ("Tổ chức chứng nhận", "Certification body"),
    "issued_on": ("Ngày cấp", "Issued on"),
    "expires_on": ("Ngày hết hạn", "Expires on"),
    "mark_code": ("Mã số dấu hợp quy", "Conformity mark code"),
    "note": ("Ghi chú", "Note"),
    "status": ("Trạng thái", "Status"),
    "history": ("Lịch sử thay đổi", "History"),
    "updated": ("Cập nhật lần cuối", "Last updated"),
    "compare": ("Hãy so sánh với thiết bị trên tay bạn", "Compare with the device in your hand"),
    "mismatch": ("Thiết bị không khớp với thông tin trên? Có thể đó là hàng giả hoặc dùng sai dấu hợp quy. Hãy báo cho Cục Viễn thông.",
                 "Device does not match? It may be counterfeit or carry a misused mark. Please report it to the Telecommunications Authority."),
    "full_record": ("Xem đầy đủ hồ sơ", "See the full record"),
    "not_found_title": ("Không tìm thấy chứng nhận", "Certificate not found"),
    "not_found_text": ("Không có chứng nhận nào mang số này trong danh sách công khai. Hãy kiểm tra lại số (ký tự dễ nhầm: O/0, I/1, S/5, B/8). Thiết bị không có chứng nhận hợp lệ có thể đang được bán trái phép.",
                       "No certificate with this number is in the public registry. Check the number (easily confused: O/0, I/1, S/5, B/8). A device without a valid certificate may be sold unlawfully."),
    "near_matches": ("Có phải bạn muốn tìm", "Did you mean"),
    "unavailable_title": ("Tạm thời chưa kiểm tra được", "Cannot check right now"),
    "unavailable_text": ("Hệ thống đang bận và chưa trả lời kịp. Đây không phải kết quả kiểm tra: hãy quét lại sau vài giây.",
                         "The registry is busy and did not answer in time. This is not a verdict on the device: scan again in a few seconds."),
    "status_valid": ("CÒN HIỆU LỰC", "VALID"),
    "status_expired": ("HẾT HIỆU LỰC", "EXPIRED"),
    "status_suspended": ("TẠM ĐÌNH CHỈ", "SUSPENDED"),
    "status_revoked": ("ĐÃ BỊ THU HỒI", "REVOKED"),
    "status_withdrawn": ("ĐÃ RÚT", "WITHDRAWN"),
    "action_created": ("Đăng ký mới", "Registered"),
    "action_updated": ("Cập nhật", "Updated"),
    "action_withdrawn": ("Rút khỏi danh sách", "Withdrawn"),
    "open_data": ("Dữ liệu mở", "Open data"),
    "api": ("API", "API"),
    "page": ("Trang", "Page"),
    "previous": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    "switch_lang": ("English", "Tiếng Việt"),
    "filters": ("Lọc kết quả", "Filter the results"),
    "filter": ("Lọc", "Filter"),
    "all": ("Tất cả", "All"),
    "issued_year": ("Năm cấp", "Year issued"),
    "category": ("Loại thiết bị", "Device type"),
    "category_phone": ("Điện thoại", "Phone"),
    "category_tablet": ("Máy tính bảng", "Tablet"),
    "category_smartwatch": ("Đồng hồ thông minh", "Smartwatch"),
    "category_wifi": ("Bộ phát Wi-Fi", "Wi-Fi router"),
    "category_modem": ("Modem, thiết bị mạng quang", "Modem, optical terminal"),
    "category_tv_receiver": ("Đầu thu truyền hình", "TV receiver"),
    "category_other": ("Thiết bị khác", "Other devices"),
    "remove_filter": ("Bỏ lọc", "Remove filter"),
    "page_of": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "label_sheet": ("Tải tờ nhãn A4 (PDF) cho các chứng nhận còn hiệu lực",
                    "Download an A4 label sheet (PDF) for the valid certificates"),
    "qr_and_labels": ("Mã QR và nhãn", "QR code and labels"),
    "qr_alt": ("Mã QR dẫn tới trang kiểm tra của chứng nhận này", "QR code linking to this certificate's verify page"),
    "label_png": ("Nhãn (PNG)", "Label (PNG)"),
    "label_pdf": ("Nhãn để in (PDF)", "Printable label (PDF)"),
    "qr_svg": ("Mã QR (SVG)", "QR code (SVG)"),
    "holder_certificates": ("Mọi chứng nhận của doanh nghiệp này", "All certificates of this holder"),
    "action_decision": ("Quyết định của Cục", "Decision of the authority"),
    "action_transferred": ("Chuyển sang nguồn dữ liệu khác", "Transferred to another source"),
    "device_certificates": ("Các giấy chứng nhận của thiết bị này", "This device's certificates"),
    "action_reviewed": ("Cục xem xét thay đổi từ dữ liệu nguồn", "Feed change reviewed by the authority"),
    "decision": ("Quyết định", "Decision"),
    "report_link": ("Báo cáo thiết bị đáng ngờ", "Report a suspicious device"),
    "report_title": ("Báo cáo thiết bị đáng ngờ", "Report a suspicious device"),
    "report_intro": ("Thiết bị không khớp với hồ sơ, không có chứng nhận, dùng sai dấu hợp quy hoặc nghi là hàng giả? Hãy cho chúng tôi biết. Thông tin liên hệ là không bắt buộc.",
                     "A device that does not match its record, has no certificate, misuses the mark or looks counterfeit? Tell us. Contact details are optional."),
    "report_code": ("Số chứng nhận hoặc model trên thiết bị", "Certificate number or model on the device"),
    "report_place": ("Nơi bán (cửa hàng, địa chỉ, trang web)", "Where it is sold (shop, address, website)"),
    "province": ("Tỉnh/thành phố", "Province or city"),
    "report_problem": ("Điều gì không đúng?", "What is wrong?"),
    "report_contact": ("Liên hệ của bạn (không bắt buộc)", "Your contact (optional)"),
    "report_photo": ("Ảnh (không bắt buộc, JPEG/PNG/WebP, tối đa 8 MB)", "Photo (optional, JPEG/PNG/WebP, up to 8 MB)"),
    "report_leave_empty": ("Để trống ô này", "Leave this field empty"),
    "send": ("Gửi", "Send"),
    "not_sent": ("Chưa gửi được", "Not sent"),
    "report_sent": ("Đã nhận báo cáo của bạn. Cảm ơn bạn!", "Your report has been received. Thank you!"),
    "report_next": ("Thanh tra viên sẽ xem xét báo cáo. Bạn có thể tiếp tục tra cứu thiết bị khác.",
                    "Inspectors will look into it. You can go on checking other devices."),
    "violations": ("Thông báo vi phạm", "Violation notices"),
    "violations_intro": ("Các quyết định xử phạt đã công bố về chứng nhận, công bố và dấu hợp quy.",
                         "Published sanctions concerning certificates, declarations and conformity marks."),
    "violation": ("Vi phạm", "Violation"),
    "sanction": ("Hình thức xử phạt", "Sanction"),
    "decision_ref": ("Số quyết định", "Decision no."),
    "methods_seen": ("Các thủ đoạn vi phạm đã phát hiện", "Methods violators were found using"),
    "methods": ("Thủ đoạn", "Method"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "statistics": ("Thống kê", "Statistics"),
    "stats_intro": ("Số liệu công khai về chứng nhận hợp quy và xử lý vi phạm, cập nhật theo cơ sở dữ liệu.",
                    "Public figures on certificates of conformity and on enforcement, from the registry itself."),
    "stats_by_status": ("Chứng nhận theo trạng thái", "Certificates by status"),
    "stats_by_year": ("Chứng nhận theo năm cấp", "Certificates by year issued"),
    "stats_notices_by_month": ("Thông báo vi phạm theo tháng", "Violation notices by month"),
    "stats_notices_by_province": ("Thông báo vi phạm theo tỉnh/thành", "Violation notices by province"),
    "stats_sanctions_by_month": ("Hình thức xử phạt theo tháng", "Sanctions by month"),
    "stats_no_province": ("(không ghi tỉnh)", "(no province)"),
    "stats_fines": ("Tổng tiền phạt đã công bố", "Fines published, in total"),
    "stats_none": ("Chưa có số liệu.", "No figures yet."),
    "stats_data": ("Tải số liệu", "Download the figures"),
    "year": ("Năm", "Year"),
    "month": ("Tháng", "Month"),
    "no_violations": ("Chưa có thông báo vi phạm nào phù hợp.", "No matching notice."),
    "notices_here": ("Thông báo vi phạm liên quan", "Related violation notices"),
    "share_province": ("Bạn đang ở tỉnh/thành nào? Không bắt buộc: giúp phát hiện mã QR bị sao chép.",
                       "Where are you? Optional: it helps spot copied QR codes."),
    "share": ("Chia sẻ", "Share"),
    "shared_thanks": ("Cảm ơn bạn đã chia sẻ.", "Thank you for sharing."),
    "inspector_record": ("Thanh tra viên: ghi biên bản kiểm tra", "Inspectors: record an inspection"),
}
# every certificate field's label, from the catalogue: ``t('field_technologies')``
TEXT.update({f"field_{field.name}": (field.label_vi, field.label_en) for field in FIELDS})


def language(request: Request) -> str:
    """``?lang=`` wins (and is remembered by the caller), then the cookie, then Vietnamese.

    Worked out once per request: a page asks for it several times."""
    scope = request.scope
    lang = scope.get(_ASKED)  # type: ignore[misc]
    if lang is None:
        lang = scope[_ASKED] = _asked(request)  # type: ignore[literal-required]
    return lang


def _asked(request: Request) -> str:
    # most scans carry neither a query nor a cookie: parse them only when they are there
    if request.scope.get("query_string"):
        asked = request.query_params.get("lang")
        if asked in LANGS:
            return asked
    if any(name == b"cookie" for name, _ in request.scope["headers"]):
        cookie = request.cookies.get(COOKIE)
        if cookie in LANGS:
            return cookie
    return "vi"


@cache
def translator(lang: str):
    index = LANGS.index(lang)

    def t(key: str) -> str:
        pair = TEXT.get(key)
        return pair[index] if pair else key

    return t
