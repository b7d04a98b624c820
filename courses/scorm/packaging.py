"""Builds SCORM zips from Sangkat's demo SCO (courses/scorm/demo_sco), for the demo and the tests:
a SCORM 1.2 package with one SCO, and a SCORM 2004 package with two SCOs (choice and flow)."""

import html
import io
import json
import zipfile
from pathlib import Path

SCO_JS = Path(__file__).parent / "demo_sco" / "sco.js"

DEMO = {
    "en": {
        "scorm12": {
            "title": "Keeping your phone safe",
            "scos": [{
                "identifier": "phone-safety", "title": "Keeping your phone safe",
                "pages": ["A screen lock stops anyone who picks up your phone from reading your messages.",
                          "Install apps only from the app store, and update them when the phone asks.",
                          "Someone you do not know asks for the code the bank sent you. What do you do?"],
                "question": {"answers": ["Send the code", "Never share it, and tell the bank"], "correct": "1",
                             "right": "Right: a code from the bank is only for you.",
                             "wrong": "No: anyone with that code can take your money."},
            }],
        },
        "scorm2004": {
            "title": "Safe online, step by step",
            "scos": [
                {"identifier": "passwords", "title": "Strong passwords",
                 "pages": ["Four ordinary words together make a long password that is easy to remember.",
                           "Use a different password for your e-mail than for anything else."],
                 "question": None},
                {"identifier": "photos", "title": "Sharing photos",
                 "pages": ["A photo can show where you live or study. Look before you share.",
                           "Your friend posts a photo of you without asking. What can you do?"],
                 "question": {"answers": ["Nothing", "Ask her to take it down"], "correct": "1",
                              "right": "Right: you may ask, and she should listen.",
                              "wrong": "You can always ask a friend to take a photo of you down."}},
            ],
        },
        "ui": {"next": "Next", "back": "Back", "check": "Check", "page": "Page", "welcome": "Welcome back! You continue where you stopped."},
    },
    "km": {
        "scorm12": {
            "title": "ការរក្សាទូរស័ព្ទរបស់អ្នកឱ្យមានសុវត្ថិភាព",
            "scos": [{
                "identifier": "phone-safety", "title": "ការរក្សាទូរស័ព្ទរបស់អ្នកឱ្យមានសុវត្ថិភាព",
                "pages": ["ការចាក់សោអេក្រង់ ការពារកុំឱ្យអ្នកដែលរើសបានទូរស័ព្ទរបស់អ្នក អានសាររបស់អ្នក។",
                          "ដំឡើងកម្មវិធីតែពីហាងកម្មវិធីប៉ុណ្ណោះ ហើយធ្វើបច្ចុប្បន្នភាពនៅពេលទូរស័ព្ទសួរ។",
                          "មនុស្សដែលអ្នកមិនស្គាល់ សុំលេខកូដដែលធនាគារផ្ញើមកអ្នក។ តើអ្នកធ្វើអ្វី?"],
                "question": {"answers": ["ផ្ញើលេខកូដ", "កុំចែករំលែកវាឱ្យសោះ ហើយប្រាប់ធនាគារ"], "correct": "1",
                             "right": "ត្រឹមត្រូវ៖ លេខកូដពីធនាគារ គឺសម្រាប់តែអ្នកប៉ុណ្ណោះ។",
                             "wrong": "មិនត្រូវទេ៖ អ្នកណាដែលមានលេខកូដនោះ អាចយកលុយរបស់អ្នកបាន។"},
            }],
        },
        "scorm2004": {
            "title": "សុវត្ថិភាពលើអ៊ីនធឺណិត មួយជំហានម្តងៗ",
            "scos": [
                {"identifier": "passwords", "title": "ពាក្យសម្ងាត់ខ្លាំង",
                 "pages": ["ពាក្យធម្មតាបួនម៉ាត់ដាក់ជាប់គ្នា បង្កើតពាក្យសម្ងាត់វែង ដែលងាយចាំ។",
                           "ប្រើពាក្យសម្ងាត់អ៊ីមែលផ្សេងពីពាក្យសម្ងាត់ផ្សេងទៀតទាំងអស់។"],
                 "question": None},
                {"identifier": "photos", "title": "ការចែករំលែករូបថត",
                 "pages": ["រូបថតអាចបង្ហាញកន្លែងដែលអ្នករស់នៅ ឬរៀន។ សូមពិនិត្យមុននឹងចែករំលែក។",
                           "មិត្តភក្តិរបស់អ្នកបង្ហោះរូបថតរបស់អ្នកដោយមិនសួរ។ តើអ្នកអាចធ្វើអ្វីបាន?"],
                 "question": {"answers": ["មិនធ្វើអ្វីទេ", "សុំឱ្យនាងលុបវាចេញ"], "correct": "1",
                              "right": "ត្រឹមត្រូវ៖ អ្នកអាចសុំបាន ហើយនាងគួរតែស្តាប់។",
                              "wrong": "អ្នកតែងតែអាចសុំមិត្តភក្តិឱ្យលុបរូបថតរបស់អ្នកបាន។"}},
            ],
        },
        "ui": {"next": "បន្ទាប់", "back": "ថយក្រោយ", "check": "ពិនិត្យ", "page": "ទំព័រ", "welcome": "សូមស្វាគមន៍ការត្រឡប់មកវិញ! អ្នកបន្តពីកន្លែងដែលអ្នកបានឈប់។"},
    },
}


def sco_page(*, sco: dict, ui: dict, language: str) -> str:
    question = sco.get("question")
    pages = []
    for number, text in enumerate(sco["pages"]):
        body = f"<p>{html.escape(text)}</p>"
        if question and number == len(sco["pages"]) - 1:
            body += "<fieldset>" + "".join(
                f'<label><input type="radio" name="answer" value="{index}"> {html.escape(answer)}</label><br>'
                for index, answer in enumerate(question["answers"])
            ) + f'</fieldset><button type="button" id="check">{html.escape(ui["check"])}</button><p id="feedback" role="status"></p>'
        pages.append(f'<section class="page" hidden>{body}</section>')
    course = {"pages": sco["pages"], "correct": question["correct"] if question else None,
              "right": question["right"] if question else "", "wrong": question["wrong"] if question else ""}
    course_json = json.dumps(course, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(sco["title"])}</title>
<style>body{{font-family:sans-serif;line-height:1.6;margin:1rem}}button{{min-height:44px;min-width:44px}}</style>
</head>
<body>
<h1>{html.escape(sco["title"])}</h1>
<p id="welcome-back" role="status" hidden>{html.escape(ui["welcome"])}</p>
{"".join(pages)}
<p>{html.escape(ui["page"])} <span id="page-number">1</span> / {len(sco["pages"])}</p>
<button type="button" id="back">{html.escape(ui["back"])}</button>
<button type="button" id="next">{html.escape(ui["next"])}</button>
<script type="application/json" id="course">{course_json}</script>
<script src="../shared/sco.js"></script>
</body>
</html>
"""


def manifest_12(*, title: str, scos: list[dict], extra_resource_files=()) -> str:
    items = "".join(
        f'<item identifier="{sco["identifier"]}" identifierref="res-{sco["identifier"]}"><title>{html.escape(sco["title"])}</title></item>'
        for sco in scos)
    resources = "".join(
        f'<resource identifier="res-{sco["identifier"]}" type="webcontent" adlcp:scormtype="sco" href="{sco["identifier"]}/index.html">'
        f'<file href="{sco["identifier"]}/index.html"/><file href="shared/sco.js"/>'
        + "".join(f'<file href="{name}"/>' for name in extra_resource_files) + "</resource>"
        for sco in scos)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="sangkat-{scos[0]["identifier"]}" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>{html.escape(title)}</title>{items}</organization></organizations>
  <resources>{resources}</resources>
</manifest>
"""


def manifest_2004(*, title: str, scos: list[dict], sequencing: str = "") -> str:
    items = "".join(
        f'<item identifier="{sco["identifier"]}" identifierref="res-{sco["identifier"]}"><title>{html.escape(sco["title"])}</title></item>'
        for sco in scos)
    resources = "".join(
        f'<resource identifier="res-{sco["identifier"]}" type="webcontent" adlcp:scormType="sco" href="{sco["identifier"]}/index.html">'
        f'<file href="{sco["identifier"]}/index.html"/><file href="shared/sco.js"/></resource>'
        for sco in scos)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="sangkat-{scos[0]["identifier"]}" version="1.0"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>{html.escape(title)}</title>{items}
    <imsss:sequencing><imsss:controlMode choice="true" flow="true"/>{sequencing}</imsss:sequencing>
  </organization></organizations>
  <resources>{resources}</resources>
</manifest>
"""


def build(*, manifest: str, scos: list[dict], ui: dict, language: str, extra_files: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.write(SCO_JS, "shared/sco.js")
        for sco in scos:
            archive.writestr(f"{sco['identifier']}/index.html", sco_page(sco=sco, ui=ui, language=language))
        for name, data in (extra_files or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def demo_package(language: str, version: str) -> bytes:
    """The demo's SCORM 1.2 (version="1.2") or SCORM 2004 (version="2004") package, in English or Khmer."""
    spec = DEMO[language]
    course = spec["scorm12" if version == "1.2" else "scorm2004"]
    maker = manifest_12 if version == "1.2" else manifest_2004
    return build(manifest=maker(title=course["title"], scos=course["scos"]), scos=course["scos"],
                 ui=spec["ui"], language=language)
