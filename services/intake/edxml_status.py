"""QCVN 102 status messages (`Status`) this system sends back to the document system about a
document it received (Đ3.2): received, released to the units, a task completed, all completed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from shared.calendar import TZ
from shared.text import nfc

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
_NS = f"{{{NAMESPACE}}}"
register_namespace("edXML", NAMESPACE)
# QCVN 102 StatusCode values this system sends: 03 "đã tiếp nhận" when a document is received,
# 04 "phân công" when its tasks are released to the units (chuyển theo dõi), 05 "đang xử lý" as
# each task is completed while others remain, 06 "hoàn thành" when every task is completed.
STATUS_CODES = {
    "received": "03",
    "released": "04",
    "task_completed": "05",
    "completed": "06",
}


RESPONSE_FOR_KEYS = ("organ_id", "code", "promulgation_date", "document_id")


@dataclass(frozen=True)
class Sender:
    """Who a status message is from (`From`): this system's organ code on the exchange network."""

    organ_id: str = ""
    organ_name: str = "Văn phòng Ủy ban nhân dân tỉnh"


DEFAULT_SENDER = Sender()


def status_message(
    response_for: dict[str, Any],
    sender: Sender,
    status_code: str,
    description: str,
    at: datetime,
    staff: dict[str, str | None],
) -> str:
    """A QCVN 102 status message: edXMLEnvelope/edXMLHeader/Status with ResponseFor (the
    original document's identifiers), From, StatusCode, Description, Timestamp (local time,
    yyyy/MM/dd HH:mm:ss) and StaffInfo (Department, Staff)."""
    envelope = Element(f"{_NS}edXMLEnvelope")
    header = SubElement(envelope, f"{_NS}edXMLHeader")
    status = SubElement(header, f"{_NS}Status")
    answered = SubElement(status, f"{_NS}ResponseFor")
    for name, key in (
        ("OrganId", "organ_id"),
        ("Code", "code"),
        ("PromulgationDate", "promulgation_date"),
        ("DocumentId", "document_id"),
    ):
        SubElement(answered, f"{_NS}{name}").text = str(response_for.get(key) or "")
    origin = SubElement(status, f"{_NS}From")
    SubElement(origin, f"{_NS}OrganId").text = sender.organ_id
    SubElement(origin, f"{_NS}OrganName").text = sender.organ_name
    SubElement(status, f"{_NS}StatusCode").text = status_code
    SubElement(status, f"{_NS}Description").text = nfc(description)
    SubElement(status, f"{_NS}Timestamp").text = at.astimezone(TZ).strftime("%Y/%m/%d %H:%M:%S")
    info = SubElement(status, f"{_NS}StaffInfo")
    SubElement(info, f"{_NS}Department").text = nfc(staff.get("department") or "")
    SubElement(info, f"{_NS}Staff").text = nfc(staff.get("staff") or "")
    SubElement(envelope, f"{_NS}edXMLBody")
    body: bytes = tostring(envelope, encoding="utf-8", xml_declaration=True)
    return body.decode("utf-8")
