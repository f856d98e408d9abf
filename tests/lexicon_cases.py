"""Messages each shipped lexicon must and must not flag, per language and category (issue 18).

Each row is (body, outgoing?, the (category, term) pairs the whole language lexicon must report for it,
by category then term); an empty list is a message that must flag nothing: the everyday sense of a
word left out or kept to phrases, a longer or shorter word (word boundaries), an inflection not
listed, or a term of a category in a message of the direction it does not apply to. Every category
of every language has at least two of each, one of them in the other direction when the category
applies to one only (tests/test_review_lexicons.py checks it).
"""

from __future__ import annotations

IN, OUT = False, True

CASES: dict[str, dict[str, list[tuple[str, bool, list[tuple[str, str]]]]]] = {
    "en": {
        "deadlines": [
            ("The hearing got moved to Tuesday, is that ok?", IN, [("deadlines", "hearing")]),
            ("My rent is due Friday and court is on the 12th", IN, [("deadlines", "court"), ("deadlines", "is due")]),
            ("Got a SUMMONS in the mail today", IN, [("deadlines", "summons")]),
            ("We had lunch in the courtyard", IN, []),
            ("Running late due to traffic", IN, []),
            ("Reminder: your deposition is Monday", OUT, []),
        ],
        "arrest": [
            ("They arrested🚓 my brother", IN, [("arrest", "arrested")]),
            ("He's been charged with assault", IN, [("arrest", "been charged"), ("arrest", "charged with")]),
            ("my son is in custody at the county jail", IN, [("arrest", "in custody"), ("arrest", "jail")]),
            ("My phone is charged now", IN, []),
            ("We share custody of the kids", IN, []),
            ("Copy that, see you then", IN, []),
            ("The police report is attached", OUT, []),
        ],
        "safety": [
            ("I want to kill myself", IN, [("safety", "kill myself")]),
            ("He hit me again last night", IN, [("safety", "he hit me")]),
            ("call 911 please", IN, [("safety", "911")]),
            ("Hit me up when you're free", IN, []),
            ("Be safe driving home!", IN, []),
            ("Self-harm resources are on our site", OUT, []),
        ],
        "money": [
            ("They offered 20k to settle", IN, [("money", "offered"), ("money", "settle")]),
            ("Please send the retainer by wire transfer", OUT, [("money", "retainer"), ("money", "wire transfer")]),
            ("Can you transfer the call to Sam?", IN, []),
            ("The settlor signed the trust", IN, []),
        ],
        "content_limits": [
            (
                "The settlement amount is $40,000",
                OUT,
                [("content_limits", "settlement amount"), ("money", "settlement")],
            ),
            ("My advice: plead guilty", OUT, [("content_limits", "my advice"), ("content_limits", "plead guilty")]),
            (
                "This is Privileged & Confidential",
                OUT,
                [("content_limits", "confidential"), ("content_limits", "privileged")],
            ),
            ("I was diagnosed with diabetes", IN, []),
            ("Our advisor will call you", OUT, []),
        ],
    },
    "es": {
        "deadlines": [
            ("La audiencia es el lunes a las 9", IN, [("deadlines", "audiencia")]),
            ("Me llegó una CITACION del juzgado", IN, [("deadlines", "citación"), ("deadlines", "juzgado")]),
            ("¿Cuándo vence el plazo?", IN, [("deadlines", "plazo"), ("deadlines", "vence")]),
            ("Me hice un corte de pelo", IN, []),
            ("Es un chico muy juicioso", IN, []),
            ("Recuerde su audiencia del martes", OUT, []),
        ],
        "arrest": [
            ("Arrestaron a mi hijo anoche", IN, [("arrest", "arrestaron")]),
            ("Mi esposo está detenido en la comisaria", IN, [("arrest", "comisaría"), ("arrest", "detenido")]),
            ("La policia lo arrestó", IN, [("arrest", "arresto"), ("arrest", "policía")]),  # accents dropped, added
            ("Mi esposa llega tarde", IN, []),
            ("Anoche vi una película policiaca", IN, []),
            ("Lo detuvieron ayer", OUT, []),
        ],
        "safety": [
            ("Me quiero matar, ya no puedo más", IN, [("safety", "me quiero matar")]),
            ("Mi pareja me pegó otra vez", IN, [("safety", "me pegó")]),
            ("Llamé al 024 anoche", IN, [("safety", "024")]),
            ("Tengo miedo, estoy en peligro 😢", IN, [("safety", "en peligro")]),
            ("No estoy segura de la fecha", IN, []),
            ("Mi extensión es la 0245", IN, []),
            ("¿Tiene un número de emergencia?", OUT, []),
        ],
        "money": [
            ("Nos hicieron una oferta de 20.000 euros", IN, [("money", "oferta")]),
            (
                "Le envío los honorarios por transferencia bancaria",
                OUT,
                [("money", "honorarios"), ("money", "transferencia bancaria")],
            ),
            ("De acuerdo, nos vemos mañana", IN, []),
            ("Hay ofertas en el súper", IN, []),
        ],
        "content_limits": [
            ("Su diagnóstico está en el portal", OUT, [("content_limits", "diagnóstico")]),
            (
                "Mi consejo: declárese culpable",
                OUT,
                [("content_limits", "declárese culpable"), ("content_limits", "mi consejo")],
            ),
            ("El médico me dio el diagnóstico", IN, []),
            ("Le recomendé el restaurante", OUT, []),
        ],
    },
    "pt": {
        "deadlines": [
            ("A audiência foi marcada para dia 10", IN, [("deadlines", "audiência")]),
            ("Recebi uma intimacao do forum", IN, [("deadlines", "fórum"), ("deadlines", "intimação")]),
            ("O processo está no Juizado Especial", IN, [("deadlines", "juizado")]),
            ("Foi um prazer falar com você", IN, []),
            ("Ele é um rapaz muito ajuizado", IN, []),
            ("Lembrete: audiência amanhã", OUT, []),
        ],
        "arrest": [
            ("Prenderam meu filho ontem", IN, [("arrest", "prenderam")]),
            ("Ele está preso na delegacia", IN, [("arrest", "delegacia"), ("arrest", "preso")]),
            ("Comprei presunto e queijo", IN, []),
            ("A cadeira quebrou", IN, []),
            ("Seu filho foi preso?", OUT, []),
        ],
        "safety": [
            ("Eu vou me matar", IN, [("safety", "me matar")]),
            ("Ele me bateu de novo", IN, [("safety", "me bateu")]),
            ("Liguei pro 188 ontem à noite", IN, [("safety", "188")]),
            ("Me mata de rir kkk", IN, []),
            ("Vamos matar a saudade", IN, []),
            ("O código é 1880", IN, []),
            ("Em caso de emergência ligue 190", OUT, []),
        ],
        "money": [
            ("Eles fizeram uma proposta de acordo de R$ 10 mil", IN, [("money", "proposta de acordo")]),
            ("Mande os dados bancários para a transferência", OUT, [("money", "dados bancários")]),
            ("Acordo cedo amanhã", IN, []),
            ("Te mando um pix", IN, []),
        ],
        "content_limits": [
            ("O diagnóstico saiu, está no portal", OUT, [("content_limits", "diagnóstico")]),
            ("Meu conselho é aceitar", OUT, [("content_limits", "meu conselho")]),
            ("O médico deu o diagnóstico", IN, []),
            ("Aconselhamos chegar 10 minutos antes", OUT, []),
        ],
    },
    "fr": {
        "deadlines": [
            ("L'audience est reportée au 3 mai", IN, [("deadlines", "audience")]),
            ("J'ai reçu une convocation du tribunal", IN, [("deadlines", "convocation"), ("deadlines", "tribunal")]),
            ("Je vous rappelle demain", IN, []),
            ("Il manque de jugeote", IN, []),
            ("Rappel : audience lundi", OUT, []),
        ],
        "arrest": [
            ("Mon fils a été arrêté hier soir", IN, [("arrest", "été arrêté")]),
            ("Il est en garde à vue au commissariat", IN, [("arrest", "commissariat"), ("arrest", "garde à vue")]),
            ("J'ai arrêté de fumer", IN, []),
            ("La caution de l'appartement", IN, []),
            ("Il a été arrêté ?", OUT, []),
        ],
        "safety": [
            ("Je veux mourir", IN, [("safety", "veux mourir")]),
            ("Il m'a frappée devant les enfants", IN, [("safety", "m'a frappée")]),
            ("J'ai appelé le 3114", IN, [("safety", "3114")]),
            ("Mon cours de violon", IN, []),
            ("Pour en finir avec ce dossier", IN, []),
            ("En cas d'urgence, appelez le 112", OUT, []),
        ],
        "money": [
            ("Ils proposent un règlement à l'amiable", IN, [("money", "amiable")]),
            ("Je vous envoie le RIB pour le virement", OUT, [("money", "RIB"), ("money", "virement")]),
            ("Offrez-lui des fleurs", IN, []),
            ("Le règlement intérieur", IN, []),
        ],
        "content_limits": [
            ("Le diagnostic est dans le portail", OUT, [("content_limits", "diagnostic")]),
            (
                "Je vous conseille de plaider coupable",
                OUT,
                [("content_limits", "je vous conseille"), ("content_limits", "plaider coupable")],
            ),
            ("Le médecin m'a donné un diagnostic", IN, []),
            ("L'ordonnance du juge est arrivée", OUT, []),
        ],
    },
    "de": {
        "deadlines": [
            ("Der Gerichtstermin ist am Montag", IN, [("deadlines", "Gerichtstermin")]),
            ("Die Frist läuft morgen ab!", IN, [("deadlines", "Frist")]),
            (
                "Wann ist die Verhandlung beim Amtsgericht?",
                IN,
                [("deadlines", "Amtsgericht"), ("deadlines", "Verhandlung")],
            ),
            ("Ich habe morgen einen Termin beim Arzt", IN, []),
            ("Das Hauptgericht war lecker", IN, []),
            ("Sag mir Bescheid", IN, []),
            ("Erinnerung: Gerichtstermin am Montag", OUT, []),
        ],
        "arrest": [
            ("Mein Sohn wurde festgenommen", IN, [("arrest", "festgenommen")]),
            ("Die POLIZEI war gerade hier 🚔", IN, [("arrest", "Polizei")]),
            ("Die Kaution für die Wohnung", IN, []),
            ("Er haftet für den Schaden", IN, []),
            ("Die Polizei hat angerufen", OUT, []),
        ],
        "safety": [
            ("Ich will nicht mehr leben", IN, [("safety", "nicht mehr leben")]),
            ("Er hat mich geschlagen", IN, [("safety", "mich geschlagen")]),
            ("Ruf die 0800-111-0-111 an", IN, [("safety", "0800 111 0 111")]),
            ("Ich bin mir nicht sicher", IN, []),
            ("Das war höhere Gewalt", IN, []),
            ("Bei einem Notfall rufen Sie die 112", OUT, []),
        ],
        "money": [
            ("Die Gegenseite bietet einen Vergleich an", IN, [("money", "einen Vergleich")]),
            ("Bitte überweisen Sie den Vorschuss an die IBAN unten", OUT, [("money", "IBAN"), ("money", "Vorschuss")]),
            ("Im Vergleich zum letzten Jahr", IN, []),
            ("Bitte überweisen Sie bis Freitag", IN, []),
        ],
        "content_limits": [
            ("Die Diagnose liegt im Portal", OUT, [("content_limits", "Diagnose")]),
            (
                "Ich rate Ihnen, das Angebot anzunehmen",
                OUT,
                [("content_limits", "ich rate Ihnen"), ("money", "Angebot")],
            ),
            ("Der Arzt hat die Diagnose gestellt", IN, []),
            ("Ich rate mal", OUT, []),
        ],
    },
    "it": {
        "deadlines": [
            ("L'udienza è fissata per lunedì", IN, [("deadlines", "udienza")]),
            (
                "Mi è arrivato un atto di citazione dal tribunale",
                IN,
                [("deadlines", "citazione"), ("deadlines", "tribunale")],
            ),
            ("Il processore del computer è lento", IN, []),
            ("Il servizio è scadente", IN, []),
            ("Promemoria: udienza lunedì", OUT, []),
        ],
        "arrest": [
            ("Hanno arrestato mio figlio", IN, [("arrest", "arrestato")]),
            ("È stata portata in questura dai carabinieri", IN, [("arrest", "carabinieri"), ("arrest", "questura")]),
            ("Sono alla fermata dell'autobus", IN, []),
            ("La polizza assicurativa è scaduta", IN, []),
            ("Mio figlio è stato arrestato?", OUT, []),
        ],
        "safety": [
            ("Voglio morire", IN, [("safety", "voglio morire")]),
            ("Mi picchia quando beve", IN, [("safety", "mi picchia")]),
            ("Ho chiamato il 1522", IN, [("safety", "1522")]),
            ("Mi taglio i capelli domani", IN, []),
            ("Il documento è al sicuro", IN, []),
            ("In caso di emergenza chiami il 112", OUT, []),
        ],
        "money": [
            ("Ci hanno fatto un'offerta di 5.000 euro", IN, [("money", "offerta")]),
            ("Le mando l'IBAN per il bonifico", OUT, [("money", "IBAN"), ("money", "bonifico")]),
            ("Va bene, d'accordo", IN, []),
            ("Offerte speciali al supermercato", IN, []),
        ],
        "content_limits": [
            ("La diagnosi è nel portale", OUT, [("content_limits", "diagnosi")]),
            (
                "Le consiglio di patteggiare",
                OUT,
                [("content_limits", "le consiglio"), ("content_limits", "patteggiare")],
            ),
            ("Il medico mi ha dato la diagnosi", IN, []),
            ("La ricetta della torta", OUT, []),
        ],
    },
    "nl": {
        "deadlines": [
            ("De zitting is verplaatst naar dinsdag", IN, [("deadlines", "zitting")]),
            (
                "Ik heb een dagvaarding gekregen van de rechtbank",
                IN,
                [("deadlines", "dagvaarding"), ("deadlines", "rechtbank")],
            ),
            ("Zit je in de trein of de bus?", IN, []),
            ("Wat is je beroep?", IN, []),
            ("Herinnering: zitting morgen", OUT, []),
        ],
        "arrest": [
            ("Mijn zoon is gearresteerd", IN, [("arrest", "gearresteerd")]),
            ("Hij zit op het politiebureau", IN, [("arrest", "politiebureau")]),
            ("Ik heb mijn aangifte inkomstenbelasting ingevuld", IN, []),
            ("Dat is een politieke kwestie", IN, []),
            ("Is hij gearresteerd?", OUT, []),
        ],
        "safety": [
            ("Ik wil dood", IN, [("safety", "wil dood")]),
            ("Hij slaat me als hij drinkt", IN, [("safety", "slaat me")]),
            ("Ik heb 113 gebeld", IN, [("safety", "113")]),
            ("Dat is veilig genoeg", IN, []),
            ("Wat een geweldig nieuws", IN, []),
            ("Bij een noodgeval belt u 112", OUT, []),
        ],
        "money": [
            ("Ze bieden een schikking aan", IN, [("money", "schikking")]),
            (
                "Graag het voorschot overmaken naar de bankrekening",
                OUT,
                [("money", "bankrekening"), ("money", "voorschot")],
            ),
            ("De aanbieding bij de supermarkt", IN, []),
            ("Dat schikt mij prima", IN, []),
        ],
        "content_limits": [
            ("De diagnose staat in het portaal", OUT, [("content_limits", "diagnose")]),
            ("Mijn advies: niet tekenen", OUT, [("content_limits", "mijn advies")]),
            ("De dokter gaf een diagnose", IN, []),
            ("Ik adviseerde hem al", OUT, []),
        ],
    },
}
