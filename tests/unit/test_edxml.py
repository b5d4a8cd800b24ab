"""EDXML messages (QCVN 102:2016/BTTTT and the older eDoc) read into the intake body."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from services.intake import edxml
from services.intake.schemas import DocumentIn

SAMPLES = Path(__file__).parent.parent / "data" / "edxml"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def test_the_samples_are_utf8_nfc() -> None:
    for path in SAMPLES.glob("*.xml"):
        text = path.read_bytes().decode("utf-8")
        assert unicodedata.is_normalized("NFC", text), path


def test_a_plain_qcvn_102_envelope() -> None:
    body = edxml.parse(sample("qcvn102_chi_thi.xml").encode())
    assert body == {
        "source_id": "000.00.00.H56,2026/11/27,25/2026/CT-UBND",
        "number": "25/2026/CT-UBND",
        "type": "chi_thi",
        "assigned_by": "chu_tich",
        "signer": {"name": "Trần Đức Minh", "position": "Chủ tịch"},
        "issued_on": "2026-11-27",
        "urgency": "khan",
        "secrecy": None,
        "summary": "Về tăng cường công tác phòng cháy, chữa cháy và cứu nạn, cứu hộ trong mùa "
        "hanh khô năm 2026 - 2027",
        "attachments": ["25-CT-UBND.signed.pdf"],
        "release": False,
        "tasks": [],
    }
    loaded = DocumentIn().load(body)
    assert loaded["tasks"] == [] and loaded["release"] is False


def test_an_envelope_nested_in_an_edxml_root_with_a_time_and_a_vendor_type_code() -> None:
    # Type 18 is "Công văn" for one vendor; the name says Kế hoạch and the name wins.
    body = edxml.parse(sample("qcvn102_nested_ke_hoach.xml").encode())
    assert body["source_id"] == "000.00.00.H56,2026/11/27,180/KH-UBND"
    assert body["number"] == "180/KH-UBND" and body["type"] == "ke_hoach"
    assert body["issued_on"] == "2026-11-27"
    assert body["assigned_by"] == "pho_chu_tich"
    assert body["signer"] == {"name": "Phạm Thị Thu Hà", "position": "Phó Chủ tịch"}
    assert body["urgency"] == "thuong" and body["attachments"] == ["180-KH-UBND.pdf"]
    DocumentIn().load(body)


def test_the_older_edoc_format_without_a_document_id() -> None:
    body = edxml.parse(sample("edoc_cong_van.xml").encode())
    # No DocumentId: built as QCVN 102 builds one, from the sender, the date and the number.
    assert body["source_id"] == "000.00.00.H56,2026/11/30,4521/UBND-NN"
    assert body["number"] == "4521/UBND-NN" and body["type"] == "cong_van"
    assert body["urgency"] == "hoa_toc"
    # Signed "TL. Chủ tịch" by the Chief of the Office: no leader of their own, so UBND tỉnh.
    assert body["assigned_by"] == "ubnd_tinh"
    DocumentIn().load(body)


def test_prefixes_and_namespaces_do_not_matter() -> None:
    text = sample("edoc_cong_van.xml").replace(
        '<EdXMLEnvelope xmlns="http://www.go.vn/eDoc">', '<e:EdXMLEnvelope xmlns:e="urn:other">'
    )
    text = text.replace("</EdXMLEnvelope>", "</e:EdXMLEnvelope>")
    assert edxml.parse(text.encode())["number"] == "4521/UBND-NN"


@pytest.mark.parametrize(
    ("priority", "urgency"),
    [("0", "thuong"), ("1", "khan"), ("2", "thuong_khan"), ("3", "hoa_toc"), ("4", "hoa_toc")],
)
def test_every_priority_maps_to_an_urgency(priority: str, urgency: str) -> None:
    text = sample("qcvn102_chi_thi.xml").replace(
        "<edXML:Priority>1</edXML:Priority>", f"<edXML:Priority>{priority}</edXML:Priority>"
    )
    assert edxml.parse(text.encode())["urgency"] == urgency


def test_a_missing_priority_is_ordinary_and_an_unknown_one_is_refused() -> None:
    text = sample("qcvn102_chi_thi.xml")
    missing = text.replace("<edXML:Priority>1</edXML:Priority>", "")
    assert edxml.parse(missing.encode())["urgency"] == "thuong"
    with pytest.raises(edxml.EdxmlError, match="Priority"):
        edxml.parse(text.replace(">1</edXML:Priority>", ">5</edXML:Priority>").encode())


@pytest.mark.parametrize(
    ("raw", "issued_on"),
    [
        ("2026/11/27", "2026-11-27"),
        ("2026/11/27 08:30", "2026-11-27"),
        ("2026/11/27 08:30:15", "2026-11-27"),
        ("2026-11-27T08:30:15+07:00", "2026-11-27"),
    ],
)
def test_dates_with_or_without_a_time(raw: str, issued_on: str) -> None:
    text = sample("qcvn102_chi_thi.xml").replace(
        "<edXML:PromulgationDate>2026/11/27<", f"<edXML:PromulgationDate>{raw}<"
    )
    assert edxml.parse(text.encode())["issued_on"] == issued_on


@pytest.mark.parametrize("raw", ["27/11/2026", "2026/02/30", "hôm nay"])
def test_a_bad_date_is_refused_naming_the_element(raw: str) -> None:
    text = sample("qcvn102_chi_thi.xml").replace(
        "<edXML:PromulgationDate>2026/11/27<", f"<edXML:PromulgationDate>{raw}<"
    )
    with pytest.raises(edxml.EdxmlError, match="PromulgationDate"):
        edxml.parse(text.encode())


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Quyết định", "quyet_dinh"),
        ("QUYẾT ĐỊNH", "quyet_dinh"),
        ("quyet dinh", "quyet_dinh"),
        ("Quyết định cá biệt", "quyet_dinh"),
        ("Quy định", "quy_dinh"),
        ("Chỉ thị", "chi_thi"),
        ("Thông báo kết luận", "thong_bao"),
        ("Công điện", "cong_dien"),
        ("Chương trình", "chuong_trinh"),
        ("Đề án", "de_an"),
        ("Tờ trình", "to_trinh"),
    ],
)
def test_the_type_is_mapped_by_its_name(name: str, slug: str) -> None:
    decomposed = unicodedata.normalize("NFD", name)
    text = sample("qcvn102_chi_thi.xml").replace(
        "<edXML:TypeName>Chỉ thị</edXML:TypeName>", f"<edXML:TypeName>{decomposed}</edXML:TypeName>"
    )
    assert edxml.parse(text.encode())["type"] == slug


def test_an_unknown_type_name_falls_back_to_the_notation_or_is_refused() -> None:
    text = sample("qcvn102_chi_thi.xml").replace(
        "<edXML:TypeName>Chỉ thị</edXML:TypeName>", "<edXML:TypeName>Văn bản đến</edXML:TypeName>"
    )
    assert edxml.parse(text.encode())["type"] == "chi_thi"  # from "CT-UBND"
    cong_van = sample("edoc_cong_van.xml").replace("<TypeName>Công văn</TypeName>", "")
    with pytest.raises(edxml.EdxmlError, match="TypeName"):
        edxml.parse(cong_van.encode())


@pytest.mark.parametrize(
    ("competence", "position", "assigned_by"),
    [
        ("Chủ tịch", "Chủ tịch", "chu_tich"),
        ("Q. Chủ tịch", "Quyền Chủ tịch", "chu_tich"),
        ("KT. Chủ tịch", "Phó Chủ tịch", "pho_chu_tich"),
        ("KT. Chủ tịch", "Phó Chủ tịch Thường trực", "pho_chu_tich"),
        ("TM. Ủy ban nhân dân", "Chủ tịch", "ubnd_tinh"),
        ("TM. UBND tỉnh; KT. Chủ tịch", "Phó Chủ tịch", "ubnd_tinh"),
        ("TL. Chủ tịch", "Chánh Văn phòng", "ubnd_tinh"),
        ("TL. Chủ tịch; KT. Chánh Văn phòng", "Phó Chánh Văn phòng", "ubnd_tinh"),
    ],
)
def test_who_assigned_it_comes_from_the_signer(
    competence: str, position: str, assigned_by: str
) -> None:
    text = sample("qcvn102_chi_thi.xml").replace(
        "<edXML:Competence>Chủ tịch</edXML:Competence>\n        "
        "<edXML:Position>Chủ tịch</edXML:Position>",
        f"<edXML:Competence>{competence}</edXML:Competence>"
        f"<edXML:Position>{position}</edXML:Position>",
    )
    body = edxml.parse(text.encode())
    assert body["assigned_by"] == assigned_by and body["signer"]["position"] == position


@pytest.mark.parametrize(
    ("element", "path"),
    [
        ("<edXML:Subject>", "Subject"),
        ("<edXML:CodeNumber>", "Code/CodeNumber"),
        ("<edXML:CodeNotation>", "Code/CodeNotation"),
        ("<edXML:PromulgationDate>", "PromulgationInfo/PromulgationDate"),
        ("<edXML:FullName>", "SignerInfo/FullName"),
    ],
)
def test_a_missing_required_element_is_named(element: str, path: str) -> None:
    text = sample("qcvn102_chi_thi.xml")
    start = text.index(element)
    end = text.index(element.replace("<", "</"), start) + len(element) + 1
    with pytest.raises(edxml.EdxmlError, match=path):
        edxml.parse((text[:start] + text[end:]).encode())


def test_a_classified_message_yields_only_its_source_id_and_secrecy_D5_2d() -> None:
    body = edxml.parse(sample("qcvn102_classified.xml").encode())
    assert body == {"source_id": "000.00.00.H56,2026/11/26,07/PA-UBND", "secrecy": "toi_mat"}


def test_secrecy_is_read_before_anything_else_is_checked_D5_2d() -> None:
    broken = (
        sample("qcvn102_classified.xml")
        .replace("<edXML:TypeName>Phương án</edXML:TypeName>", "")
        .replace("<edXML:PromulgationDate>2026/11/26</edXML:PromulgationDate>", "")
        .replace("<edXML:Priority>2</edXML:Priority>", "<edXML:Priority>9</edXML:Priority>")
    )
    assert edxml.parse(broken.encode())["secrecy"] == "toi_mat"


def test_secrecy_is_read_even_before_the_envelope_is_checked_D5_2d() -> None:
    # A classified message is refused as classified (with a refusal record), not as bad EDXML.
    body = edxml.parse(
        b"<VanBan><SecurityLevel>Tuyet mat</SecurityLevel><Subject>x</Subject></VanBan>"
    )
    assert body == {"source_id": None, "secrecy": "tuyet_mat"}


@pytest.mark.parametrize(
    ("element", "value", "secrecy"),
    [
        ("SecurityLevel", "Mật", "mat"),
        ("SecurityLevel", "TUYỆT MẬT", "tuyet_mat"),
        ("Secrecy", "toi_mat", "toi_mat"),
        ("DoMat", "1", "mat"),
        ("DoMat", "2", "toi_mat"),
        ("Do_Mat", "3", "tuyet_mat"),
        ("ConfidentialityLevel", "Top Secret", "tuyet_mat"),
        ("SecurityLevel", "0", None),
        ("SecurityLevel", "Thường", None),
        ("SecurityLevel", "", None),
    ],
)
def test_secrecy_markings_that_are_understood_D5_2d(
    element: str, value: str, secrecy: str | None
) -> None:
    text = sample("qcvn102_chi_thi.xml").replace(
        "<edXML:Priority>1</edXML:Priority>",
        f"<edXML:Priority>1</edXML:Priority><edXML:{element}>{value}</edXML:{element}>",
    )
    assert edxml.parse(text.encode())["secrecy"] == secrecy


def test_the_highest_of_several_markings_wins_and_an_unreadable_one_is_refused_D5_2d() -> None:
    text = sample("qcvn102_chi_thi.xml")
    several = text.replace(
        "<edXML:SteeringType>",
        "<edXML:SecurityLevel>Mật</edXML:SecurityLevel><edXML:DoMat>3</edXML:DoMat>"
        "<edXML:SteeringType>",
    )
    assert edxml.parse(several.encode())["secrecy"] == "tuyet_mat"
    unreadable = text.replace(
        "<edXML:SteeringType>",
        "<edXML:SecurityLevel>Hạn chế XK</edXML:SecurityLevel><edXML:SteeringType>",
    )
    with pytest.raises(edxml.EdxmlError, match="độ mật") as refused:
        edxml.parse(unreadable.encode())
    assert "XK" not in str(refused.value)


def test_a_dtd_with_entity_expansion_is_refused() -> None:
    with pytest.raises(edxml.EdxmlError, match="DTD"):
        edxml.parse((SAMPLES / "billion_laughs.xml").read_bytes())


def test_an_external_entity_is_refused_and_never_read() -> None:
    with pytest.raises(edxml.EdxmlError) as refused:
        edxml.parse((SAMPLES / "external_entity.xml").read_bytes())
    assert "root:" not in str(refused.value)


def test_a_root_that_is_not_edxml_is_refused() -> None:
    with pytest.raises(edxml.EdxmlError, match="<Envelope> không phải thông điệp EDXML"):
        edxml.parse((SAMPLES / "not_edxml_soap.xml").read_bytes())
    with pytest.raises(edxml.EdxmlError, match="không chứa edXMLEnvelope"):
        edxml.parse(b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><Other/></edXML>')
    with pytest.raises(edxml.EdxmlError, match="MessageHeader"):
        edxml.parse(b"<edXMLEnvelope><edXMLHeader/></edXMLEnvelope>")


@pytest.mark.parametrize("payload", [b"", b"<edXMLEnvelope>", b"\xff\xfe<a", b"not xml at all"])
def test_malformed_xml_is_refused(payload: bytes) -> None:
    with pytest.raises(edxml.EdxmlError, match="XML"):
        edxml.parse(payload)
