"""Every word WhatsApp writes in an export, one block per language: add or fix a language here only.

Decisions:
- One block per language (`LANGUAGES`), each naming every kind of phrase (`KINDS`). A kind a block
  does not hold is said: `ABSENT` (WhatsApp writes no such word in that language: a 24-hour clock
  has no am/pm) or `UNSEEN` (WhatsApp writes it, but no export in that language has shown the words:
  add them when one does). tests/test_whatsapp_locales.py prints the matrix and fails on a kind left out.
- The words are written as WhatsApp writes them; the modules that look for them fold them once
  (body.py: `_phrase`; header.py: the am/pm words without dots and spaces), so the order of the
  blocks changes nothing. Where a word is a regex fragment (am/pm, connectors, stems) it says so.
- A phrase shared by several languages ("media", "con") is written in each: a block must read alone.
"""

from __future__ import annotations

from typing import NamedTuple

ABSENT = "absent"  # WhatsApp writes no such words in this language (the comment says why)
UNSEEN = "unseen"  # WhatsApp writes them, but no export in this language has shown them yet

KINDS = {
    "am_pm": "the words after (or before) a 12-hour time: AmPm(folded word -> hours to add, regex, before the time?)",
    "connector": "a word between the date and the time of a header (regex fragments: 'klo', 'à')",
    "deleted": "WhatsApp's text for a deleted message",
    "media_omitted": 'Android\'s "<Media omitted>", the whole line',
    "media_word": "a stem that makes a '<…>' line a media placeholder (regex fragments)",
    "omitted_kinds": 'iOS\'s "image omitted" by kind; AfterMark: known only after the mark that starts it',
    "attached": 'Android\'s "(file attached)" after a file name',
    "missed_call": "a missed call",
    "call": "a call (iOS adds the length: 'Voice call, 12 min')",
    "edited": "a stem of the '<This message was edited>' tail (regex fragments)",
    "group": "a word of a system line that speaks of a group (regex fragments)",
    "chat_file": "the chat's file name: 'WhatsApp Chat with NAME' connectors ('… ile': the name comes first)",
}


class AmPm(NamedTuple):
    hours: dict  # the word folded (casefold, no dots or spaces) -> hours to add to a 12-hour time
    pattern: str  # regex, {SP} standing for a space of any width
    before_time: bool = False  # written before the time ("下午 3:05") as well as after it


class AfterMark(dict):
    """omitted_kinds known only after the mark that starts them ("\u200e画像は含まれていません"), never as a
    line's whole text: only the kind is read from them, so that no message's identity changes."""


_LATIN_AM_PM = AmPm({"am": 0, "pm": 12}, r"(?i:[ap]\.?{SP}?m\.?)")  # "PM", "p. m.", "p.\u00a0m."

LANGUAGES: dict[str, dict] = {
    "en": {
        "am_pm": _LATIN_AM_PM,
        "connector": ABSENT,  # "3/14/26, 9:05" (a comma or a space only)
        "deleted": ("This message was deleted", "You deleted this message", "This message was deleted by admin"),
        "media_omitted": ("<Media omitted>",),
        "media_word": ("media",),
        "omitted_kinds": {
            "image": "image omitted",
            "video": "video omitted",
            "audio": "audio omitted",
            "sticker": "sticker omitted",
            "GIF": "GIF omitted",
            "contact card": "Contact card omitted",
            "document": "document omitted",
        },
        "attached": ("file attached",),
        "missed_call": ("Missed voice call", "Missed video call", "Missed group voice call", "Missed group video call"),
        "call": ("Voice call", "Video call"),
        "edited": ("edit",),
        "group": (r"\bgroup",),
        "chat_file": ("with",),
    },
    "de": {
        "am_pm": AmPm({"vorm": 0, "nachm": 12}, r"(?i:vorm\.|nachm\.)"),
        "connector": ("um",),
        "deleted": (
            "Diese Nachricht wurde gelöscht",
            "Du hast diese Nachricht gelöscht",
            "Sie haben diese Nachricht gelöscht",
        ),
        "media_omitted": ("<Medien ausgeschlossen>",),
        "media_word": ("medien",),
        "omitted_kinds": {
            "image": "Bild weggelassen",
            "video": "Video weggelassen",
            "audio": "Audio weggelassen",
            "sticker": "Sticker weggelassen",
            "GIF": "GIF weggelassen",
            "contact card": "Kontaktkarte ausgelassen",
            "document": "Dokument weggelassen",
        },
        "attached": ("Datei angehängt",),
        "missed_call": ("Verpasster Sprachanruf", "Verpasster Videoanruf"),
        "call": ("Sprachanruf", "Videoanruf"),
        "edited": ("bearbeit",),
        "group": ("gruppe",),
        "chat_file": ("mit",),
    },
    "fr": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": ("à",),
        "deleted": ("Ce message a été supprimé", "Vous avez supprimé ce message"),
        "media_omitted": ("<Médias omis>",),
        "media_word": ("médias",),
        "omitted_kinds": {
            "image": "image absente",
            "video": "vidéo absente",
            "audio": "audio omis",
            "sticker": "sticker omis",
            "GIF": "GIF retiré",
            "contact card": "Fiche contact manquante",
            "document": "document manquant",
        },
        "attached": ("fichier joint",),
        "missed_call": ("Appel vocal manqué", "Appel vidéo manqué"),
        "call": ("Appel vocal", "Appel vidéo"),
        "edited": ("modifi",),
        "group": ("groupe",),
        "chat_file": ("avec",),
    },
    "es": {
        "am_pm": _LATIN_AM_PM,  # "8:28 p. m."
        "connector": ABSENT,  # "20/6/2017 8:28" (a comma or a space only)
        "deleted": ("Se eliminó este mensaje", "Eliminaste este mensaje", "Este mensaje fue eliminado"),
        "media_omitted": ("<Multimedia omitido>", "<Archivo omitido>"),
        "media_word": ("multimedia",),
        "omitted_kinds": {
            "image": "imagen omitida",
            "video": "video omitido",
            "audio": "audio omitido",
            "sticker": "sticker omitido",
            "GIF": "GIF omitido",
            "contact card": "tarjeta de contacto omitida",
            "document": "documento omitido",
        },
        "attached": ("archivo adjunto",),
        "missed_call": ("Llamada de voz perdida", "Videollamada perdida"),
        "call": ("Llamada de voz", "Videollamada"),
        "edited": ("editad",),
        "group": ("grupo",),
        "chat_file": ("con",),
    },
    "pt": {
        "am_pm": UNSEEN,
        "connector": ("às",),
        "deleted": ("Mensagem apagada", "Você apagou esta mensagem", "Esta mensagem foi apagada"),
        "media_omitted": ("<Mídia oculta>", "<Arquivo de mídia oculto>"),
        "media_word": ("mídia",),
        "omitted_kinds": {
            "image": "imagem ocultada",
            "video": "vídeo ocultado",
            "audio": "áudio ocultado",
            "sticker": "figurinha omitida",
        },
        "attached": ("arquivo anexado",),
        "missed_call": ("Chamada de voz perdida", "Chamada de vídeo perdida"),
        "call": UNSEEN,
        "edited": ("editad",),
        "group": ("grupo",),
        "chat_file": ("com",),
    },
    "it": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": ("alle",),
        "deleted": ("Questo messaggio è stato eliminato", "Hai eliminato questo messaggio"),
        "media_omitted": ("<Media omessi>",),
        "media_word": ("media",),
        "omitted_kinds": {"image": "immagine omessa", "video": "video omesso", "audio": "audio omesso"},
        "attached": ("file allegato",),
        "missed_call": ("Chiamata vocale persa", "Videochiamata persa"),
        "call": UNSEEN,
        "edited": ("modifi",),
        "group": ("gruppo",),
        "chat_file": ("con",),
    },
    "nl": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": ("om",),
        "deleted": ("Dit bericht is verwijderd", "Je hebt dit bericht verwijderd", "U heeft dit bericht verwijderd"),
        "media_omitted": ("<Media weggelaten>",),
        "media_word": ("media",),
        "omitted_kinds": {"image": "afbeelding weggelaten", "video": "video weggelaten", "audio": "audio weggelaten"},
        "attached": ("bestand bijgevoegd",),
        "missed_call": ("Gemiste spraakoproep", "Gemiste video-oproep"),
        "call": UNSEEN,
        "edited": ("bewerkt",),
        "group": ("groep",),
        "chat_file": ("met",),
    },
    "ru": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": ("в",),
        "deleted": (
            "Данное сообщение удалено",
            "Вы удалили данное сообщение",
            "Это сообщение удалено",
            "Сообщение удалено",
            "Вы удалили это сообщение",
        ),
        "media_omitted": ("<Без медиафайлов>",),
        "media_word": ("медиа",),
        "omitted_kinds": {
            "image": "изображение отсутствует",
            "video": "видео отсутствует",
            "audio": "аудиофайл отсутствует",
            "sticker": "стикер не добавлен",
            "GIF": "GIF отсутствует",
            "contact card": "Карточка контакта отсутствует",
            "document": "документ отсутствует",
        },
        "attached": ("файл добавлен",),
        "missed_call": ("Пропущенный аудиозвонок", "Пропущенный видеозвонок"),
        "call": UNSEEN,
        "edited": ("изменен",),
        "group": ("группу", "группы"),
        "chat_file": ("с контактом", "с"),
    },
    "uk": {
        "am_pm": AmPm({"дп": 0, "пп": 12}, r"(?i:дп|пп)"),
        "connector": UNSEEN,
        "deleted": ("Це повідомлення видалено", "Ви видалили це повідомлення"),
        "media_omitted": ("<Медіафайли пропущено>",),
        "media_word": ("медіа",),
        "omitted_kinds": UNSEEN,
        "attached": ("файл додано",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("змінен",),
        "group": ("групу", "групи"),
        "chat_file": ("з контактом", "з"),
    },
    "cs": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": (
            "Tato zpráva byla odstraněna",
            "Tuto zprávu jste odstranili",
            "Odstranili jste tuto zprávu",
            "Tuto zprávu jste odstranil/a",
        ),
        "media_omitted": ("<Média vynechány>",),
        "media_word": ("média",),
        "omitted_kinds": UNSEEN,
        "attached": ("soubor byl přiložen",),
        "missed_call": ("Zmeškaný hlasový hovor", "Zmeškaný videohovor"),
        "call": UNSEEN,
        "edited": ("upraven",),
        "group": ("skupin",),
        "chat_file": ("s uživatelem", "ze", "s"),
    },
    "sk": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": UNSEEN,
        "media_omitted": UNSEEN,
        "media_word": UNSEEN,
        "omitted_kinds": UNSEEN,
        "attached": UNSEEN,
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": UNSEEN,
        "group": UNSEEN,
        "chat_file": ("s používateľom",),
    },
    "pl": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": ("Ta wiadomość została usunięta", "Usunięto tę wiadomość", "Usunąłeś tę wiadomość"),
        "media_omitted": ("<Pominięto multimedia>",),
        "media_word": ("multimedia",),
        "omitted_kinds": UNSEEN,
        "attached": ("plik załączony",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("zmieniona", "edytowan"),
        "group": ("grupa", "grupy"),
        "chat_file": ("z użytkownikiem", "z"),
    },
    "tr": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": ("Bu mesaj silindi", "Bu mesajı sildiniz"),
        "media_omitted": ("<Medya dahil edilmedi>",),
        "media_word": ("medya",),
        "omitted_kinds": UNSEEN,
        "attached": ("dosya ekli",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("düzenlen",),
        "group": ("grubu", r"grup\b"),
        "chat_file": ("… ile",),
    },
    "ar": {
        "am_pm": AmPm({"ص": 0, "م": 12}, "ص|م"),
        "connector": ABSENT,  # "٢٤\u200f/٤\u200f/٢٠٢٢، ٢:٠٧ م" (an Arabic comma only)
        "deleted": ("تم حذف هذه الرسالة", "لقد حذفت هذه الرسالة", "لقد حذَفت هذه الرسالة"),
        "media_omitted": ("<تم استبعاد الوسائط>", "<الوسائط محذوفة>"),
        "media_word": ("وسائط",),
        "omitted_kinds": AfterMark(
            {
                "image": "لم يتم إدراج الصورة",
                "video": "لم يتم إدراج الفيديوهات",
                "audio": "لم يتم إدراج المقاطع الصوتية",
                "sticker": "تم حذف الملصقات",
                "GIF": "لم يتم إدراج صورة GIF",
                "contact card": "لم يتم إدراج بطاقة جهة اتصال",
                "document": "لم يتم إدراج المستند",
            }
        ),
        "attached": ("ملف مرفق",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("تعديل",),
        "group": ("مجموعة",),
        "chat_file": ("عم", "مع"),
    },
    "fa": {
        "am_pm": AmPm({"قظ": 0, "بظ": 12}, r"ق\.?ظ\.?|ب\.?ظ\.?"),
        **dict.fromkeys(("connector", "deleted", "media_omitted", "media_word", "omitted_kinds"), UNSEEN),
        **dict.fromkeys(("attached", "missed_call", "call", "edited", "group", "chat_file"), UNSEEN),
    },
    "id": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": ("Pesan ini telah dihapus", "Anda menghapus pesan ini", "Pesan ini dihapus"),
        "media_omitted": ("<Media tidak disertakan>",),
        "media_word": ("media",),
        "omitted_kinds": UNSEEN,
        "attached": ("berkas terlampir",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("diedit",),
        "group": (r"grup\b",),
        "chat_file": ("dengan",),
    },
    "ja": {
        "am_pm": AmPm({"午前": 0, "午後": 12}, "午前|午後", before_time=True),
        "connector": ABSENT,  # "2022/03/18 14:56" (a space only)
        "deleted": ("このメッセージは削除されました", "メッセージを削除しました", "このメッセージを削除しました"),
        "media_omitted": ("<メディアは含まれていません>",),
        "media_word": ("メディア",),
        "omitted_kinds": AfterMark(
            {
                "image": "画像は含まれていません",
                "video": "ビデオは含まれていません",
                "audio": "音声は含まれていません",
                "sticker": "スタンプは含まれていません",
                "GIF": "GIFは含まれていません",
                "contact card": "連絡先カードを省略",
                "document": "ドキュメントは含まれていません",
            }
        ),
        "attached": ("ファイル添付",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("編集",),
        "group": ("グループ",),
        "chat_file": ("… との",),
    },
    "zh-Hans": {
        "am_pm": AmPm({"上午": 0, "下午": 12}, "上午|下午", before_time=True),
        "connector": ABSENT,  # (a space only)
        "deleted": ("此消息已删除", "你删除了此消息"),
        "media_omitted": ("<省略了媒体>",),
        "media_word": ("媒体",),
        "omitted_kinds": UNSEEN,
        "attached": ("附件",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("编辑",),
        "group": ("群组",),
        "chat_file": UNSEEN,
    },
    "zh-Hant": {
        "am_pm": AmPm({"上午": 0, "下午": 12}, "上午|下午", before_time=True),
        "connector": ABSENT,  # (a space only)
        "deleted": ("這則訊息已被刪除", "你刪除了這則訊息"),
        "media_omitted": UNSEEN,
        "media_word": UNSEEN,
        "omitted_kinds": UNSEEN,
        "attached": UNSEEN,
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("編輯",),
        "group": ("群組",),
        "chat_file": UNSEEN,
    },
    "ko": {
        "am_pm": AmPm({"오전": 0, "오후": 12}, "오전|오후", before_time=True),
        "connector": ABSENT,  # (a space only)
        "deleted": ("이 메시지는 삭제되었습니다", "메시지를 삭제했습니다"),
        "media_omitted": ("<미디어 파일 생략>",),
        "media_word": ("미디어",),
        "omitted_kinds": UNSEEN,
        "attached": ("파일 첨부됨",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("수정",),
        "group": ("그룹",),
        "chat_file": ("… 와의", "… 과의"),
    },
    "th": {
        "am_pm": AmPm({"ก่อนเที่ยง": 0, "หลังเที่ยง": 12}, "ก่อนเที่ยง|หลังเที่ยง"),
        "connector": UNSEEN,
        "deleted": ("ข้อความนี้ถูกลบแล้ว", "คุณลบข้อความนี้แล้ว", "คุณได้ลบข้อความนี้"),
        "media_omitted": ("<ไม่รวมสื่อ>",),
        "media_word": ("สื่อ",),
        "omitted_kinds": AfterMark(
            {
                "image": "ไม่มีรูปภาพ",
                "video": "วิดีโอถูกลบ",
                "audio": "ไม่มีไฟล์เสียง",
                "sticker": "ไม่มีสติกเกอร์",
                "GIF": "ละเว้น GIF",
                "contact card": "บัตรรายชื่อที่ละเว้น",
                "document": "ละเว้นเอกสาร",
            }
        ),
        "attached": ("ไฟล์แนบ",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("แก้ไข",),
        "group": ("กลุ่ม",),
        "chat_file": UNSEEN,
    },
    "hi": {
        "am_pm": AmPm({"पूर्वाह्न": 0, "अपराह्न": 12}, "पूर्वाह्न|अपराह्न"),
        "connector": UNSEEN,
        "deleted": (
            "यह मैसेज हटा दिया गया था",
            "आपने यह मैसेज हटा दिया",
            "आपने यह मैसेज डिलीट किया",
            "यह मैसेज डिलीट कर दिया गया है",
        ),
        "media_omitted": ("<मीडिया हटाया गया>",),
        "media_word": ("मीडिया",),
        "omitted_kinds": AfterMark(
            {
                "image": "फ़ोटो हटाई गई",
                "video": "वीडियो छोड़ा गया",
                "audio": "ऑडियो हटाई गयी",
                "sticker": "स्टिकर छोड़ा गया",
                "GIF": "GIF छोड़ा गया",
                "contact card": "कॉन्टैक्ट कार्ड छोड़ा गया",
                "document": "डॉक्यूमेंट छोड़ा गया",
            }
        ),
        "attached": ("फ़ाइल संलग्न है",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("संपादित",),
        "group": ("समूह",),
        "chat_file": ("… के साथ",),
    },
    "bn": {
        "am_pm": AmPm({"পূর্বাহ্ণ": 0, "অপরাহ্ণ": 12}, "পূর্বাহ্ণ|অপরাহ্ণ"),
        **dict.fromkeys(("connector", "deleted", "media_omitted", "media_word", "omitted_kinds"), UNSEEN),
        **dict.fromkeys(("attached", "missed_call", "call", "edited", "group", "chat_file"), UNSEEN),
    },
    "fi": {
        "am_pm": AmPm({"ap": 0, "ip": 12}, r"(?i:ap\.|ip\.)"),
        "connector": ("klo",),
        "deleted": ("Tämä viesti poistettiin", "Poistit tämän viestin"),
        "media_omitted": ("<Media jätetty pois>",),
        "media_word": ("mediat",),
        "omitted_kinds": UNSEEN,
        "attached": ("tiedosto liitetty",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("muokat",),
        "group": ("ryhmä",),
        "chat_file": ("kanssa",),
    },
    "sv": {
        "am_pm": AmPm({"fm": 0, "em": 12}, r"(?i:fm|em)"),
        "connector": (r"kl\.?",),
        "deleted": ("Det här meddelandet raderades", "Du raderade det här meddelandet"),
        "media_omitted": ("<Media utelämnad>",),
        "media_word": ("media",),
        "omitted_kinds": UNSEEN,
        "attached": ("fil bifogad",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("redigera",),
        "group": ("grupp",),
        "chat_file": ("med",),
    },
    "da": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": (r"kl\.?",),
        "deleted": ("Denne besked blev slettet", "Du slettede denne besked"),
        "media_omitted": ("<Medier udeladt>",),
        "media_word": ("medier",),
        "omitted_kinds": UNSEEN,
        "attached": ("fil vedhæftet",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("redigeret",),
        "group": ("gruppe",),
        "chat_file": ("med",),
    },
    "no": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": (r"kl\.?",),
        "deleted": ("Denne meldingen ble slettet", "Du slettet denne meldingen"),
        "media_omitted": ("<Media utelatt>",),
        "media_word": ("media",),
        "omitted_kinds": UNSEEN,
        "attached": ("fil vedlagt",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("redigert",),
        "group": ("gruppe",),
        "chat_file": ("med",),
    },
    "is": {
        "am_pm": AmPm({"fh": 0, "eh": 12}, r"(?i:f\.h\.|e\.h\.)"),
        **dict.fromkeys(("connector", "deleted", "media_omitted", "media_word", "omitted_kinds"), UNSEEN),
        **dict.fromkeys(("attached", "missed_call", "call", "edited", "group", "chat_file"), UNSEEN),
    },
    "el": {
        "am_pm": AmPm({"πμ": 0, "μμ": 12}, r"π\.?{SP}?μ\.?|μ\.?{SP}?μ\.?"),
        "connector": UNSEEN,
        "deleted": ("Αυτό το μήνυμα διαγράφηκε", "Διαγράψατε αυτό το μήνυμα"),
        "media_omitted": ("<Πολυμέσα παραλείφθηκαν>",),
        "media_word": ("πολυμέσ",),
        "omitted_kinds": UNSEEN,
        "attached": ("επισυνάπτεται αρχείο",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("επεξεργ",),
        "group": ("ομάδα",),
        "chat_file": ("με",),
    },
    "ro": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": ("Acest mesaj a fost șters", "Ai șters acest mesaj"),
        "media_omitted": ("<Fișier media omis>",),
        "media_word": ("media",),
        "omitted_kinds": UNSEEN,
        "attached": ("fișier atașat",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("edit",),
        "group": (r"grup\b",),
        "chat_file": ("cu",),
    },
    "hu": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": ("Ez az üzenet törölve lett", "Törölted ezt az üzenetet"),
        "media_omitted": ("<Média elhagyva>",),
        "media_word": ("média",),
        "omitted_kinds": UNSEEN,
        "attached": ("fájl csatolva",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("szerkeszt",),
        "group": UNSEEN,
        "chat_file": UNSEEN,
    },
    "vi": {
        "am_pm": AmPm({"sa": 0, "ch": 12}, r"(?i:sa|ch)"),
        "connector": UNSEEN,
        "deleted": ("Tin nhắn này đã bị xóa", "Bạn đã xóa tin nhắn này"),
        **dict.fromkeys(("media_omitted", "media_word", "omitted_kinds", "attached"), UNSEEN),
        **dict.fromkeys(("missed_call", "call", "edited", "group", "chat_file"), UNSEEN),
    },
    "he": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": ("הודעה זו נמחקה", "מחקת את ההודעה הזו"),
        "media_omitted": ("<המדיה הושמטה>",),
        "media_word": ("מדיה",),
        "omitted_kinds": UNSEEN,
        "attached": ("קובץ מצורף",),
        "missed_call": UNSEEN,
        "call": UNSEEN,
        "edited": ("נערכה",),
        "group": ("קבוצה",),
        "chat_file": ("עם",),
    },
    "ca": {
        "am_pm": ABSENT,  # a 24-hour clock
        "connector": UNSEEN,
        "deleted": ("Aquesta missatge s'ha suprimit", "S'ha suprimit aquest missatge"),
        **dict.fromkeys(("media_omitted", "media_word", "omitted_kinds", "attached"), UNSEEN),
        **dict.fromkeys(("missed_call", "call", "edited", "group", "chat_file"), UNSEEN),
    },
    # Known so far by one word each, the connector of their chat files' names:
    "lv": {**dict.fromkeys(KINDS, UNSEEN), "chat_file": ("ar",)},
    "lt": {**dict.fromkeys(KINDS, UNSEEN), "chat_file": ("su",)},
    "lb": {**dict.fromkeys(KINDS, UNSEEN), "chat_file": ("mat",)},
}


def words(kind: str) -> list:
    """Every language's words of one kind, in the order of the blocks, each once (ABSENT/UNSEEN left out)."""
    found: list = []
    for block in LANGUAGES.values():
        value = block[kind]
        if isinstance(value, tuple):
            found += [w for w in value if w not in found]
    return found


def omitted_kinds(after_mark: bool) -> dict[str, list[str]]:
    """iOS's omitted-media placeholders by kind: those read as a line's whole text, or (after_mark) those known
    only after the mark that starts them."""
    kinds: dict[str, list[str]] = {}
    for block in LANGUAGES.values():
        value = block["omitted_kinds"]
        if isinstance(value, dict) and isinstance(value, AfterMark) == after_mark:
            for kind, placeholder in value.items():
                kinds.setdefault(kind, []).append(placeholder)
    return kinds


def am_pm() -> list[AmPm]:
    """The am/pm words of every language that writes them, each set once."""
    found: list = []
    for block in LANGUAGES.values():
        if isinstance(block["am_pm"], AmPm) and block["am_pm"] not in found:
            found.append(block["am_pm"])
    return found
