"""Issue a reviewed meeting and follow its tasks: officials act on their own agency's tasks only."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.bot.conftest import RunningBot
from tests.bot.fake_bot_api import FakeBotApi
from tests.bot.test_flows import NOTE, SECRETARY, add_secretary, buttons, cards, press, texts_to, wait_ready

FINANCE, TRADE = 3001, 3002  # officials of Sở Tài chính and Sở Công Thương


def join(api: FakeBotApi, official: int, agency: str) -> None:
    def links(s: FakeBotApi) -> list[str]:
        return [t for t in texts_to(s, SECRETARY) if "?start=" in t and agency in t]

    before = len(links(api))
    api.user_command(SECRETARY, f"/moi {agency}")
    api.wait_for(lambda s: len(links(s)) > before)
    link = links(api)[-1]
    api.user_command(official, f"/start {link.split('?start=')[1].split()[0]}")
    api.wait_for(lambda s: any(agency in t for t in texts_to(s, official)))


def issue_note(api: FakeBotApi) -> None:
    """The secretary sends the provincial notice, confirms every assignment and issues the meeting."""
    api.user_text(SECRETARY, NOTE)
    wait_ready(api, SECRETARY, n_cards=4)
    summary = next(m for m in api.sent_messages(SECRETARY) if "Ngày họp" in (m.get("text") or ""))
    press(api, SECRETARY, summary, "Xác nhận tất cả")
    api.wait_for(lambda s: any(t.startswith("Đã xác nhận") for t in texts_to(s, SECRETARY)))
    press(api, SECRETARY, summary, "Ban hành")
    api.wait_for(lambda s: any(t.startswith("Đã ban hành") for t in texts_to(s, SECRETARY)), timeout=20)


def task_messages(api: FakeBotApi, chat_id: int) -> list[dict]:
    return [m for m in api.sent_messages(chat_id) if "📌" in (m.get("text") or "")]


def test_issue_acknowledge_extend_and_complete(fake_api: FakeBotApi, running_bot: RunningBot) -> None:  # noqa: PLR0915 - one story
    add_secretary(fake_api)
    for agency in ("Sở Tài chính", "Sở Công Thương"):
        fake_api.user_command(SECRETARY, f"/coquan them {agency}")
    fake_api.wait_for(lambda s: sum(t.startswith("Đã thêm: ") for t in texts_to(s, SECRETARY)) == 2)
    join(fake_api, FINANCE, "Sở Tài chính")
    join(fake_api, TRADE, "Sở Công Thương")

    issue_note(fake_api)
    report = next(t for t in texts_to(fake_api, SECRETARY) if t.startswith("Đã ban hành"))
    assert "chưa có cán bộ" in report and "?start=" in report  # e.g. Sở Nông nghiệp và Môi trường

    fake_api.wait_for(lambda s: task_messages(s, FINANCE) and task_messages(s, TRADE))
    finance_tasks = task_messages(fake_api, FINANCE)
    trade_tasks = task_messages(fake_api, TRADE)
    assert all("Chủ trì: Sở Tài chính" in m["text"] or "phối hợp" in m["text"] for m in finance_tasks)
    lead_task = next(m for m in trade_tasks if "cơ quan anh/chị chủ trì" in m["text"])
    assert [label for label, _ in buttons(lead_task)] == ["👍 Đã nhận", "✅ Hoàn thành", "⏳ Xin gia hạn"]

    # Sở Tài chính's official cannot act on Sở Công Thương's task, even with a forged button.
    forged = next(data for label, data in buttons(lead_task) if "Hoàn thành" in label)
    fake_api.user_callback(FINANCE, lead_task, forged, strict=False)
    fake_api.wait_for(
        lambda s: any(
            "không thuộc cơ quan" in str(c["params"].get("text", "")) for c in s.calls_for("answerCallbackQuery")
        )
    )

    press(fake_api, TRADE, lead_task, "Đã nhận")
    fake_api.wait_for(lambda s: "👍 Đã nhận" not in [b for b, _ in buttons(s.message(TRADE, lead_task["message_id"]))])

    press(fake_api, TRADE, fake_api.message(TRADE, lead_task["message_id"]), "Xin gia hạn")
    fake_api.wait_for(lambda s: any(t.startswith("Gõ thời hạn mới") for t in texts_to(s, TRADE)))
    fake_api.user_text(TRADE, "15/1/2027; chờ quy hoạch tỉnh được phê duyệt")
    fake_api.wait_for(lambda s: any("xin gia hạn nhiệm vụ" in t for t in texts_to(s, SECRETARY)))
    request = next(m for m in fake_api.sent_messages(SECRETARY) if "xin gia hạn nhiệm vụ" in (m.get("text") or ""))
    assert "15/01/2027" in request["text"] and "quy hoạch tỉnh" in request["text"]
    press(fake_api, SECRETARY, request, "Đồng ý")
    fake_api.wait_for(lambda s: any("đến 15/01/2027: đồng ý" in t for t in texts_to(s, TRADE)))

    press(fake_api, TRADE, fake_api.message(TRADE, lead_task["message_id"]), "Hoàn thành")
    fake_api.wait_for(lambda s: any("đã được báo cáo hoàn thành" in t for t in texts_to(s, SECRETARY)))
    done = fake_api.message_text(TRADE, lead_task["message_id"])
    assert "hoàn thành đúng hạn" in done and "đã gia hạn; hạn ban đầu" in done

    # The optional note or file after "✅ Hoàn thành": kept with the task and passed on to the secretaries.
    fake_api.wait_for(lambda s: any(t.startswith("Đã ghi nhận hoàn thành nhiệm vụ") for t in texts_to(s, TRADE)))
    fake_api.user_document(TRADE, "report-file-1", "bao_cao_ket_qua.pdf", "application/pdf", 2048, caption="Đã trình")
    fake_api.wait_for(lambda s: any("gửi kèm báo cáo hoàn thành" in t for t in texts_to(s, SECRETARY)))
    note = next(t for t in texts_to(fake_api, SECRETARY) if "gửi kèm báo cáo hoàn thành" in t)
    assert note.startswith("📝 Sở Công Thương") and "Đã trình" in note and "[tệp: bao_cao_ket_qua.pdf]" in note
    fake_api.wait_for(
        lambda s: any(
            (m.get("document") or {}).get("file_name") == "bao_cao_ket_qua.pdf" for m in s.sent_messages(SECRETARY)
        )
    )
    assert any(t.startswith("Đã gửi kèm báo cáo hoàn thành") for t in texts_to(fake_api, TRADE))

    fake_api.user_command(FINANCE, "/nhiemvu")
    fake_api.wait_for(lambda s: any(t.startswith("Nhiệm vụ") and "#" in t for t in texts_to(s, FINANCE)))
    listing = [t for t in texts_to(fake_api, FINANCE) if t.startswith("Nhiệm vụ") and "#" in t][-1]
    assert "Sở Công Thương —" not in listing  # another agency's task as lead is not listed
    assert len(cards(fake_api, FINANCE)) == 0

    fake_api.user_command(SECRETARY, "/baocao")
    fake_api.wait_for(lambda s: {d["filename"][-4:] for d in s.documents(SECRETARY)} >= {"xlsx", ".csv"}, timeout=20)
    table = next(d for d in fake_api.documents(SECRETARY) if d["filename"].endswith(".csv"))["content"].decode(
        "utf-8-sig"
    )
    trade_row = next(line for line in table.splitlines() if line.startswith("Sở Công Thương"))
    assert trade_row.split(",")[1] == "1"  # done on time
    workbook = next(d for d in fake_api.documents(SECRETARY) if d["filename"].endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(workbook["content"])).active
    assert sheet["A2"].value == "Cơ quan chủ trì" and sheet["E2"].value == "Quá hạn"

    fake_api.user_command(SECRETARY, "/tim cum cong nghiep")  # without diacritics
    fake_api.wait_for(lambda s: any(t.startswith("Kết quả cho") for t in texts_to(s, SECRETARY)))
    fake_api.user_command(FINANCE, "/tim cụm công nghiệp")
    fake_api.wait_for(lambda s: any(t.startswith(("Kết quả cho", "Không tìm thấy")) for t in texts_to(s, FINANCE)))
    found = [t for t in texts_to(fake_api, FINANCE) if t.startswith(("Kết quả cho", "Không tìm thấy"))][-1]
    assert "cuộc họp" not in found and "#1:" not in found  # no meeting text, not Sở Công Thương's task
