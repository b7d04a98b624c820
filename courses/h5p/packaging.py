"""Builds `.h5p` files from Sangkat's own H5P libraries (courses/h5p/libraries), for the demo and tests."""

import io
import json
import zipfile
from pathlib import Path

LIBRARIES = Path(__file__).parent / "libraries"
CHOICE = {"machineName": "Sangkat.Choice", "majorVersion": 1, "minorVersion": 0}

# The demo activities: one question about passwords, in English and in Khmer.
DEMO_CHOICE = {
    "en": {
        "title": "Which password is the strongest?",
        "question": "Which password is the strongest?",
        "answers": [
            {"text": "123456", "correct": False,
             "feedback": "This is the most common password in the world: it is guessed in a second."},
            {"text": "sokha2005", "correct": False,
             "feedback": "A name and a year are easy to guess for anyone who knows you."},
            {"text": "mango river blue lantern", "correct": True,
             "feedback": "Four ordinary words together make a long password that is easy to remember and hard to guess."},
        ],
        "l10n": {"check": "Check", "retry": "Try again", "correct": "Correct!", "wrong": "Not quite.",
                 "choose": "Choose an answer first."},
    },
    "km": {
        "title": "តើពាក្យសម្ងាត់មួយណាខ្លាំងជាងគេ?",
        "question": "តើពាក្យសម្ងាត់មួយណាខ្លាំងជាងគេ?",
        "answers": [
            {"text": "123456", "correct": False,
             "feedback": "នេះជាពាក្យសម្ងាត់ដែលគេប្រើច្រើនជាងគេបំផុតក្នុងពិភពលោក៖ គេអាចទាយបានក្នុងមួយវិនាទី។"},
            {"text": "sokha2005", "correct": False,
             "feedback": "ឈ្មោះ និងឆ្នាំកំណើត ងាយទាយណាស់ សម្រាប់អ្នកដែលស្គាល់អ្នក។"},
            {"text": "mango river blue lantern", "correct": True,
             "feedback": "ពាក្យធម្មតាបួនម៉ាត់ដាក់ជាប់គ្នា ធ្វើឱ្យពាក្យសម្ងាត់វែង ងាយចាំ ប៉ុន្តែពិបាកទាយ។"},
        ],
        "l10n": {"check": "ពិនិត្យ", "retry": "សាកម្តងទៀត", "correct": "ត្រឹមត្រូវ!", "wrong": "មិនទាន់ត្រូវទេ។",
                 "choose": "សូមជ្រើសរើសចម្លើយមួយសិន។"},
    },
}


def library_folder(name: str = "Sangkat.Choice-1.0") -> Path:
    return LIBRARIES / name


def choice_package(*, title: str, question: str, answers: list[dict], l10n: dict | None = None,
                   language: str = "en", extra_files: dict[str, bytes] | None = None) -> bytes:
    """A `.h5p` (zip bytes) for one Sangkat.Choice question, laid out like an H5P export:
    h5p.json and content/ at the top, each library in a `Machine.Name-x.y/` folder beside them."""
    h5p_json = {
        "title": title, "language": language, "mainLibrary": CHOICE["machineName"],
        "embedTypes": ["div"], "license": "U", "preloadedDependencies": [CHOICE],
    }
    content = {"question": question, "answers": answers, "l10n": l10n or {}, "language": language}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("h5p.json", json.dumps(h5p_json, ensure_ascii=False, indent=2))
        archive.writestr("content/content.json", json.dumps(content, ensure_ascii=False, indent=2))
        folder = library_folder()
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
        for name, data in (extra_files or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def demo_package(language: str) -> bytes:
    spec = DEMO_CHOICE[language]
    return choice_package(language=language, **spec)
