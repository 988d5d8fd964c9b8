"""Word lists of the directive language of Vietnamese notices (domain.md §3.1).

Kept apart from the rules so they can be reviewed and extended on their own.
All entries are lower case, NFC, traditional tone placement.
"""

from __future__ import annotations

# Verbs that hand a task to the actor that follows them.
ASSIGNING_VERBS = ("giao", "yêu cầu", "đề nghị", "phân công", "chỉ đạo", "đề xuất giao", "nhờ")

# Words that may sit between an actor and its predicate.
INSERTIONS = (
    "trong phạm vi",
    "theo chức năng",
    "căn cứ",
    "với vai trò",
    "trên cơ sở",
    "theo thẩm quyền",
)

# First words of a predicate that make an actor-initial clause a directive.
PREDICATES = (
    "chủ trì",
    "phối hợp",
    "khẩn trương",
    "chủ động",
    "tích cực",
    "tiếp tục",
    "có trách nhiệm",
    "chịu trách nhiệm",
    "cần",
    "phải",
    "sớm",
    "tập trung",
    "nghiêm túc",
    "quyết liệt",
    "kịp thời",
    "nghiên cứu",
    "rà soát",
    "hoàn thiện",
    "hoàn thành",
    "báo cáo",
    "xử lý",
    "xem xét",
    "chỉ đạo",
    "hướng dẫn",
    "thực hiện",
    "triển khai",
    "tổ chức",
    "xây dựng",
    "ban hành",
    "trình",
    "đề xuất",
    "tổng hợp",
    "theo dõi",
    "đôn đốc",
    "kiểm tra",
    "giải quyết",
    "bố trí",
    "cân đối",
    "có văn bản",
    "có ý kiến",
    "có kế hoạch",
    "gửi",
    "lập",
    "phê duyệt",
    "bàn giao",
    "giải ngân",
    "tiếp thu",
    "đẩy nhanh",
    "đẩy mạnh",
    "hỗ trợ",
    "lãnh đạo",
    "cụ thể hóa",
    "thể chế hóa",
    "làm việc",
    "trao đổi",
    "thống nhất",
    "tham mưu",
    "nỗ lực",
    "huy động",
    "bảo đảm",
    "đảm bảo",
    "ưu tiên",
    "rút kinh nghiệm",
    "khắc phục",
    "nâng cao",
    "tăng cường",
    "quán triệt",
    "thúc đẩy",
    "điều chỉnh",
    "sửa đổi",
    "bổ sung",
    "cập nhật",
    "công bố",
    "thẩm định",
    "đánh giá",
    "phân bổ",
    "cấp",
    "thu hồi",
    "kiện toàn",
    "ban hành",
    "chuẩn bị",
    "tuyên truyền",
    "vận động",
    "giám sát",
    "thanh tra",
    "kiểm soát",
    "rà soát",
    "khảo sát",
    "lựa chọn",
    "phân định",
    "làm rõ",
    "giải trình",
    "trả lời",
    "tiếp nhận",
    "hoàn tất",
    "nghiên cứu",
    "chuyển",
    "ký",
    "đàm phán",
    "mời",
    "tổ chức",
    "dừng",
    "tạm dừng",
    "ngừng",
    "đình chỉ",
    "không để",
    "nắm chắc",
    "theo sát",
    "bám sát",
    "duy trì",
    "sắp xếp",
    "di dời",
    "giải phóng",
    "thu hút",
    "vận hành",
    "căn cứ",
    "chỉ đạo",
    "thực hiện nghiêm",
    "khẩn cấp",
    "dứt điểm",
    "ban hành",
    "trực tiếp",
    "thường xuyên",
    "định kỳ",
    "hằng",
    "hàng",
)

# Words right after an actor that mean the clause reports, not directs.
NON_DIRECTIVE_AFTER = (
    "đã",
    "đang",
    "vừa",
    "từng",
    "sẽ",
    "được",
    "là",
    "cho biết",
    "cho rằng",
    "chia sẻ",
    "phát biểu",
    "báo cáo cho biết",
    "nhận định",
    "ghi nhận",
    "đánh giá cao",
    "mong muốn",
    "kiến nghị",
    "đề xuất với",
    "có",
    "không",
    "chưa",
    "còn",
    "mới",
    "cũng đã",
    "cũng đang",
    "trình bày",
    "với chức năng",
)

# Words in the few syllables before an assigning verb that mean it reports an earlier
# or hypothetical assignment ("đã giao", "được giao", "theo hướng giao").
NON_DIRECTIVE_BEFORE = (
    "đã",
    "được",
    "theo hướng",
    "nhiệm vụ",
    "việc",
    "đang",
    "từng",
    "vừa",
    "đã được",
    "sẽ",
    "nếu",
    "trường hợp",
    "các nhiệm vụ",
    "về",
    "Về",
)

# Bodies a request goes up to ("đề nghị Chính phủ xem xét"): never the assignee of a conclusion.
SUPERIORS = frozenset(
    {
        "chính phủ",
        "thủ tướng",
        "thủ tướng chính phủ",
        "quốc hội",
        "ủy ban thường vụ quốc hội",
        "bộ chính trị",
        "ban bí thư",
        "trung ương",
        "ban chấp hành trung ương",
    }
)

# Clause openings that introduce no directive (assessments, thanks, acknowledgements).
NON_DIRECTIVE_OPENINGS = (
    "ghi nhận",
    "biểu dương",
    "đánh giá cao",
    "cảm ơn",
    "hoan nghênh",
    "đồng ý",
    "thống nhất về nguyên tắc",
    "nhất trí",
    "tuy nhiên",
    "thời gian qua",
    "nhìn chung",
    "bên cạnh những kết quả",
)

# Generic compliance clauses that carry no concrete task.
GENERIC_TASK = (
    "thực hiện nghiêm các ý kiến chỉ đạo",
    "thực hiện nghiêm ý kiến chỉ đạo",
    "thực hiện các ý kiến chỉ đạo",
)

# Headings of assessment sections, whose content is not a directive.
ASSESSMENT_HEADINGS = ("đánh giá", "kết quả", "tình hình")

# Markers of the start of the directive part of a notice.
DIRECTIVE_INTROS = (
    "kết luận như sau",
    "ý kiến chỉ đạo như sau",
    "chỉ đạo như sau",
    "kết luận và chỉ đạo như sau",
    "thống nhất như sau",
    "yêu cầu như sau",
    "nhiệm vụ trọng tâm sau",
    "một số nội dung sau",
    "kết luận:",
    "ý kiến như sau",
    "như sau:",
)
# A line that opens with these and ends with ":" introduces the directives, whatever lies between
# ("Kết luận cuộc họp chiều 3/12 của Chủ tịch UBND tỉnh:"): the way secretaries head typed notes.
DIRECTIVE_INTRO_OPENINGS = ("kết luận", "ý kiến kết luận", "ý kiến chỉ đạo", "chỉ đạo", "giao nhiệm vụ", "phân công")

# Phrases that start the closing part of a notice (recipients, signature, boilerplate).
CLOSING_MARKERS = (
    "nơi nhận",
    "văn phòng chính phủ xin thông báo",
    "văn phòng chính phủ thông báo",
    "văn phòng chính phủ trân trọng thông báo",
    "thông báo để các",
    "xin thông báo để",
    "trân trọng thông báo",
    "tin, ảnh",
    "bài, ảnh",
    "link bài viết gốc",
    "theo cổng thông tin",
    "chia sẻ bài viết",
    "tác giả:",
)

# Co-operation markers: what follows names co-operating agencies.
COOPERATION_MARKERS = (
    "phối hợp chặt chẽ với",
    "phối hợp với",
    "phối hợp",
    "làm việc cụ thể với",
    "làm việc với",
    "trao đổi, thống nhất với",
    "trao đổi, phối hợp chặt chẽ với",
    "thống nhất với",
    "cùng với",
    "cùng",
)
