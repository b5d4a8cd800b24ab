"""EDXML intake: a QCVN 102:2016/BTTTT message (or the older eDoc of QĐ 28/2018/QĐ-TTg) read into
the body that `schemas.DocumentIn` loads, so that everything after parsing is shared with JSON.

Elements are matched by lowercased local name: vendors differ in prefixes, in namespaces (QCVN 102
says http://www.mic.gov.vn/TBT/QCVN_102_2016, eDoc http://www.go.vn/eDoc, others send none or their
own) and even in the case of the root (`edXMLEnvelope`, `EdXMLEnvelope`); the root's local name is
what decides. The secrecy marking is read before anything else, and a classified message yields
only its source id and secrecy, so nothing else of it is mapped, validated or echoed (Đ5.2d).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from services.intake.domain import DOCUMENT_TYPES
from shared.text import fold, nfc

XML_TYPES = ("application/xml", "text/xml")

# QCVN 102 OtherInfo.Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ.
URGENCY_OF_PRIORITY = {
    "0": "thuong",
    "1": "khan",
    "2": "thuong_khan",
    "3": "hoa_toc",
    "4": "hoa_toc",
}

# QCVN 102 defines no secrecy element (classified documents must not travel on the exchange
# network at all), so these are the names vendors' extensions and older systems use for one.
# Compared lowercased with "_" and "-" removed, anywhere in the message.
SECRECY_ELEMENTS = frozenset(
    {"securitylevel", "secrecy", "secrecylevel", "secretlevel", "confidentiality", "domat"}
    | {"confidentialitylevel", "mucdomat", "capdomat"}
)
# Values compared folded (no diacritics, lowercase). Numbers follow the three levels of Luật Bảo
# vệ bí mật nhà nước 2018 Đ8 in ascending order, with 0 for "not classified" as Priority uses 0
# for "ordinary".
_SECRECY_WORDS: dict[str | None, tuple[str, ...]] = {
    None: ("", "0", "khong", "khong mat", "thuong", "binh thuong", "none", "unclassified"),
    "mat": ("1", "mat", "do mat", "confidential"),
    "toi_mat": ("2", "toi mat", "toi_mat", "secret"),
    "tuyet_mat": ("3", "tuyet mat", "tuyet_mat", "top secret"),
}
SECRECY_OF_VALUE = {word: level for level, words in _SECRECY_WORDS.items() for word in words}
_SECRECY_RANK = {"mat": 1, "toi_mat": 2, "tuyet_mat": 3}

_ISSUED = ("PromulgationInfo", "PromulgationDate")
_TYPE_BY_NAME = {fold(label): slug for slug, (label, _abbr) in DOCUMENT_TYPES.items()}
_TYPE_BY_ABBREVIATION = {abbr: slug for slug, (_label, abbr) in DOCUMENT_TYPES.items() if abbr}
_DATE = re.compile(
    r"^(?P<y>\d{4})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
# "TM." (thay mặt): signed for the collective People's Committee (Nghị định 30/2020 Phụ lục I).
_ON_BEHALF_OF_COLLECTIVE = re.compile(r"^(t\.?\s?m(\.|\s|$)|thay mat\b)")


MAX_ENCODED_ATTACHMENTS = 50


@dataclass(frozen=True)
class EncodedAttachment:
    name: str
    content_type: str | None
    data: bytes


class EdxmlError(ValueError):
    """The message is not a usable EDXML document; the text names the element, in Vietnamese."""


def parse(data: bytes | str) -> dict[str, Any]:
    """The DocumentIn body of an EDXML message; a classified one yields only source id and secrecy.

    Raises `EdxmlError` for anything that is not well-formed, safe EDXML with the needed fields.
    """
    root = _parse_xml(data)
    # Before anything else reads the message, even its envelope: a classified one goes no further.
    secrecy = _secrecy(root)
    if secrecy is not None:
        return {"source_id": _classified_source_id(root), "secrecy": secrecy}
    header = _message_header(_envelope(root))
    code_number = _required(header, "Code", "CodeNumber")
    notation = _required(header, "Code", "CodeNotation").lstrip("/")
    number = notation if notation.startswith(f"{code_number}/") else f"{code_number}/{notation}"
    issued_on = _read_date(_required(header, *_ISSUED), "/".join(_ISSUED))
    source_id = _source_id(header)
    if source_id is None:
        raise EdxmlError("Thiếu cả MessageHeader/DocumentId lẫn From/OrganId để lập mã văn bản.")
    return {
        "source_id": source_id,
        "number": number,
        "type": _document_type(header, notation),
        "assigned_by": _assigned_by(header),
        "signer": {
            "name": _required(header, "SignerInfo", "FullName"),
            "position": _required(header, "SignerInfo", "Position"),
        },
        "issued_on": issued_on.isoformat(),
        "urgency": _urgency(header),
        "secrecy": None,
        "summary": _required(header, "Subject"),
        "attachments": _attachments(root),
        "release": False,
        "tasks": [],
    }


def response_for(data: bytes | str) -> dict[str, str | None]:
    """The identifiers a status message about this message echoes in `ResponseFor` (QCVN 102):
    the sender's OrganId, the Code as "number/notation", the PromulgationDate and the DocumentId,
    as the message wrote them."""
    header = _message_header(_envelope(_parse_xml(data)))
    number = _text(header, "Code", "CodeNumber") or ""
    notation = (_text(header, "Code", "CodeNotation") or "").lstrip("/")
    code = notation if notation.startswith(f"{number}/") or not number else f"{number}/{notation}"
    issued = _text(header, *_ISSUED)
    try:
        day = _read_date(issued, "/".join(_ISSUED)) if issued else None
        promulgation = day.strftime("%Y/%m/%d") if day else None
    except EdxmlError:
        promulgation = issued
    return {
        "organ_id": _text(header, "From", "OrganId"),
        "code": code or None,
        "promulgation_date": promulgation,
        "document_id": _source_id(header),
    }


def encoded_attachments(data: bytes | str) -> list[EncodedAttachment]:
    """The files a message carries in `AttachmentEncoded/Attachment` (QCVN 102: each with its
    name, content type and base64 `ContentTransferEncoded`), in order; a classified message
    yields none, as nothing else of it is read (Đ5.2d)."""
    root = _parse_xml(data)
    if _secrecy(root) is not None:
        return []
    found: list[EncodedAttachment] = []
    for element in root.iter():
        if _local(element) != "attachment":
            continue
        encoded = _child(element, "ContentTransferEncoded")
        if encoded is None:
            continue
        if len(found) == MAX_ENCODED_ATTACHMENTS:
            raise EdxmlError(f"Thông điệp có quá {MAX_ENCODED_ATTACHMENTS} tệp đính kèm.")
        name = _text(element, "AttachmentName") or _text(element, "ContentId") or "tep-dinh-kem"
        try:
            content = base64.b64decode("".join("".join(encoded.itertext()).split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EdxmlError(
                f"Tệp đính kèm {name}: ContentTransferEncoded không phải base64."
            ) from exc
        found.append(EncodedAttachment(name, _text(element, "ContentType"), content))
    return found


def _parse_xml(data: bytes | str) -> Element:
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DTDForbidden as exc:
        raise EdxmlError(
            "Thông điệp EDXML không được chứa khai báo DTD (DOCTYPE) hay thực thể."
        ) from exc
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise EdxmlError("Thông điệp EDXML không được chứa thực thể hay tham chiếu ngoài.") from exc
    except ParseError as exc:
        # expat's message gives only a position, never the document's text.
        raise EdxmlError(f"Nội dung không phải XML hợp lệ: {exc}.") from exc
    return root


def _envelope(root: Element) -> Element:
    name = _local(root)
    if name == "edxmlenvelope":
        return root
    if name == "edxml":
        envelope = _child(root, "edXMLEnvelope")
        if envelope is None:
            raise EdxmlError("Phần tử gốc edXML không chứa edXMLEnvelope.")
        return envelope
    shown = str(root.tag).rpartition("}")[2][:60]
    raise EdxmlError(
        f"Phần tử gốc <{shown}> không phải thông điệp EDXML: cần edXMLEnvelope (QCVN 102:2016/"
        "BTTTT), edXML:edXML bao edXMLEnvelope, hoặc EdXMLEnvelope (eDoc, QĐ 28/2018/QĐ-TTg)."
    )


def _message_header(envelope: Element) -> Element:
    # QCVN 102 puts MessageHeader under edXMLHeader; eDoc puts it straight under the envelope.
    outer = _child(envelope, "edXMLHeader")
    header = _child(outer, "MessageHeader") if outer is not None else None
    if header is None:
        header = _child(envelope, "MessageHeader")
    if header is None:
        raise EdxmlError("Thiếu phần tử edXMLHeader/MessageHeader.")
    return header


def _secrecy(root: Element) -> str | None:
    """The highest secrecy marked anywhere in the message; unreadable markings are refused."""
    found: list[str] = []
    for element in root.iter():
        if _local(element).replace("_", "").replace("-", "") not in SECRECY_ELEMENTS:
            continue
        value = fold(_element_text(element))
        if value not in SECRECY_OF_VALUE:
            # Neither accepted nor refused as classified: the sender must say what it means.
            # The value is not echoed, in case it is the document's own wording.
            found.append("?")
            continue
        level = SECRECY_OF_VALUE[value]
        if level is not None:
            found.append(level)
    classified = [level for level in found if level in _SECRECY_RANK]
    if classified:
        return max(classified, key=_SECRECY_RANK.__getitem__)
    if found:
        raise EdxmlError("Không xác định được độ mật ghi trong thông điệp EDXML.")
    return None


def _source_id(header: Element) -> str | None:
    """DocumentId, else built the way QCVN 102 builds one: "OrganId,yyyy/MM/dd,Number/Notation"."""
    # The date keeps công văn numbers apart, which restart every year.
    document_id = _text(header, "DocumentId")
    paths = (("From", "OrganId"), ("Code", "CodeNumber"), ("Code", "CodeNotation"), _ISSUED)
    parts = [_text(header, *path) for path in paths]
    if document_id or not all(parts):
        return document_id
    organ, number, notation, issued = (str(part) for part in parts)
    try:
        day = _read_date(issued, "/".join(_ISSUED))
    except EdxmlError:
        return None
    return f"{organ},{day:%Y/%m/%d},{number}/{notation.lstrip('/')}"


def _classified_source_id(root: Element) -> str | None:
    """The source id for the refusal record, if the message has a readable header at all."""
    try:
        return _source_id(_message_header(_envelope(root)))
    except EdxmlError:
        return None


def _document_type(header: Element, notation: str) -> str:
    """By TypeName (numeric Type codes differ between vendors), else the notation's abbreviation."""
    name = _text(header, "DocumentType", "TypeName")
    if name:
        folded = fold(name)
        if folded in _TYPE_BY_NAME:
            return _TYPE_BY_NAME[folded]
        # "Quyết định cá biệt", "Thông báo kết luận": a known name followed by a qualifier.
        prefixes = [label for label in _TYPE_BY_NAME if folded.startswith(f"{label} ")]
        if prefixes:
            return _TYPE_BY_NAME[max(prefixes, key=len)]
    abbreviation = notation.rpartition("/")[2].split("-")[0]
    if abbreviation in _TYPE_BY_ABBREVIATION:
        return _TYPE_BY_ABBREVIATION[abbreviation]
    shown = f" '{name[:100]}'" if name else ""
    raise EdxmlError(
        f"Không xác định được loại văn bản từ DocumentType/TypeName{shown}; hỗ trợ: "
        + ", ".join(label for label, _abbr in DOCUMENT_TYPES.values())
        + "."
    )


def _assigned_by(header: Element) -> str:
    competence = fold(_text(header, "SignerInfo", "Competence") or "")
    position = fold(_text(header, "SignerInfo", "Position") or "")
    if _ON_BEHALF_OF_COLLECTIVE.match(competence):
        return "ubnd_tinh"
    if position.startswith("pho chu tich"):
        return "pho_chu_tich"
    if position.startswith(("chu tich", "quyen chu tich")):
        return "chu_tich"
    return "ubnd_tinh"


def _read_date(raw: str, path: str) -> date:
    # The time some systems append is dropped: the date as written is the local issue date.
    match = _DATE.match(raw.strip())
    if match is None:
        raise EdxmlError(
            f"{path} phải có dạng yyyy/MM/dd (có thể kèm giờ), nhận được '{raw[:40]}'."
        )
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        raise EdxmlError(f"{path} không phải ngày có thật: '{raw[:40]}'.") from exc


def _urgency(header: Element) -> str:
    raw = _text(header, "OtherInfo", "Priority") or _text(header, "Priority")
    if raw is None:
        return "thuong"
    if raw not in URGENCY_OF_PRIORITY:
        raise EdxmlError(
            f"OtherInfo/Priority phải là 0, 1, 2, 3 hoặc 4 (QCVN 102:2016), nhận được '{raw[:20]}'."
        )
    return URGENCY_OF_PRIORITY[raw]


def _attachments(root: Element) -> list[str]:
    """Names of the files the manifest references; their content is not kept here."""
    names: list[str] = []
    for element in root.iter():
        if _local(element) != "reference":
            continue
        name = _text(element, "AttachmentName") or _text(element, "ContentId")
        if name and name not in names:
            names.append(name)
    return names


def _required(parent: Element, *path: str) -> str:
    value = _text(parent, *path)
    if not value:
        raise EdxmlError(f"Thiếu phần tử MessageHeader/{'/'.join(path)} hoặc phần tử này rỗng.")
    return value


def _text(parent: Element, *path: str) -> str | None:
    element: Element | None = parent
    for name in path:
        element = _child(element, name) if element is not None else None
    if element is None:
        return None
    return _element_text(element) or None


def _element_text(element: Element) -> str:
    # NFC because some Windows systems send decomposed (NFD) Vietnamese.
    return " ".join(nfc("".join(element.itertext())).split())


def _child(parent: Element, name: str) -> Element | None:
    wanted = name.lower()
    return next((child for child in parent if _local(child) == wanted), None)


def _local(element: Element) -> str:
    tag = element.tag
    # Comments and processing instructions have a function as tag.
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""
