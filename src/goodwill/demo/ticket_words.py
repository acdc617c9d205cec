"""Texts for the demo tickets: what small offices ask their IT provider, and what it answers.

Written for the demo (no third-party data). A topic (printers, VPN, e-mail…) holds issues, each
with its subjects, the way people describe it and the way it ends; and questions, answers and
internal notes that fit any issue of the topic. A ticket draws one of each, so a year of
tickets reads varied and each one hangs together. Placeholders are filled with
`str.format_map`: {first} the requester's first name, {tech} the technician's, {client},
{site}, {printer}, {device}, {app}, {room}, {shared}, {when}, {case}, {newbie} and {n}.
"""

from __future__ import annotations

from dataclasses import dataclass

from goodwill.desk.models import AssetType, Category

# (impact, urgency): see desk.models.PRIORITY_MATRIX. Most requests are P3/P4.
ONE_PERSON_CAN_WAIT = ((3, 3), (3, 3), (3, 2), (3, 2), (3, 2), (2, 3))  # P4 mostly, some P3 · P4
ONE_PERSON_STOPPED = ((3, 1), (3, 1), (3, 2), (2, 2), (3, 3))  # P3 mostly
TEAM_HAMPERED = ((2, 2), (2, 2), (2, 3), (2, 1), (3, 2))  # P3, some P2
COMPANY_DOWN = ((1, 1), (1, 1), (1, 2), (2, 1))  # P1 and P2


@dataclass(frozen=True)
class Issue:
    """One kind of request: how people put it, and how it ends. Fields left empty fall back to
    the topic's (questions, answers and notes that fit every issue of the topic)."""

    subjects: tuple[str, ...]
    problems: tuple[str, ...]
    fixes: tuple[str, ...]
    notes: tuple[str, ...] = ()
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    key: str
    category: str
    weight: float
    severity: tuple[tuple[int, int], ...]
    issues: tuple[Issue, ...]
    details: tuple[str, ...]
    questions: tuple[str, ...]
    answers: tuple[str, ...]  # answers[i] answers questions[i]
    notes: tuple[str, ...]
    asset: str = ""  # which of the requester's devices the ticket is about, if any
    third_party: float = 0.0  # chance we wait on a supplier, ISP or vendor at some point
    tags: tuple[str, ...] = ()


TOPICS: tuple[Topic, ...] = (
    Topic(
        key="printer",
        category=Category.PRINTING,
        weight=9,
        severity=ONE_PERSON_CAN_WAIT + TEAM_HAMPERED,
        asset=AssetType.PRINTER,
        third_party=0.12,
        tags=("onsite",),
        issues=(
            Issue(
                subjects=("Printer not printing", "Printer showing offline", "Can't print"),
                problems=(
                    "The {printer} is showing as offline on my laptop and nothing I send comes "
                    "out.",
                    "My print jobs sit in the queue and then disappear without printing.",
                    "I can't print anything, the jobs just say 'error - printing'.",
                ),
                fixes=(
                    "I've cleared the stuck jobs and reinstalled the printer on your laptop. "
                    "Could you try again? It should be fine now.",
                    "The printer had picked up a new address after the router restart. I've "
                    "fixed its address so it won't move again; printing works from here.",
                ),
                notes=(
                    "Print spooler on the laptop had stuck jobs; cleared the queue remotely.",
                    "Printer's IP changed after the router reboot; reserved it in DHCP.",
                ),
            ),
            Issue(
                subjects=("{printer} keeps jamming", "Paper jam on the {printer}",
                          "Printer jamming again"),
                problems=(
                    "The {printer} keeps jamming, mostly on double-sided jobs.",
                    "The printer says paper jam in tray 2 but there's nothing in there.",
                ),
                fixes=(
                    "The engineer has replaced the rollers, so the jams should stop.",
                    "There was a torn scrap of paper behind the rear door; it's out and the "
                    "printer is working again.",
                ),
                notes=(
                    "Pick-up rollers worn according to the counters; engineer visit booked with "
                    "the supplier, reference {case}.",
                    "Logged with the printer supplier, their reference {case}.",
                ),
            ),
            Issue(
                subjects=("Scan to e-mail stopped working", "Scanner not sending e-mails"),
                problems=(
                    "Scan to e-mail has stopped working on the {printer}: the scans never "
                    "arrive.",
                    "When I scan to my e-mail the printer says 'send failed'.",
                ),
                fixes=(
                    "Scan to e-mail is working again: the scanner's mail password needed "
                    "updating.",
                ),
                notes=("SMTP password for scan-to-email expired with the mailbox password "
                       "change.",),
            ),
            Issue(
                subjects=("Toner low on the {printer}", "Prints very faint", "Need toner"),
                problems=(
                    "The {printer} says the toner is low and the prints are very faint now.",
                    "We're down to the last black toner for the {printer}.",
                ),
                fixes=(
                    "New toner is on its way and should arrive tomorrow; in the meantime I've "
                    "set the printer to economy mode so it lasts.",
                    "Toner delivered to reception and fitted; prints look fine again.",
                ),
                notes=("Ordered two black cartridges from the distributor, order {case}.",),
            ),
        ),
        details=(
            "It started {when}.",
            "Other people in the office seem to have the same problem.",
            "I've turned it off and on again but no change.",
            "It only happens to me, the others are fine.",
            "We need it for the client packs going out today.",
            "",
        ),
        questions=(
            "Could you tell me what the display on the printer says right now?",
            "Is it just you, or is everyone in the office affected?",
            "Could you send me a photo of the printer's screen?",
            "Is the printer connected by cable or Wi-Fi? If there's a cable, could you check it "
            "is clicked in at both ends?",
        ),
        answers=(
            "The display just says 'Ready'.",
            "It's everyone, I've asked around.",
            "Photo attached.",
            "It's on the cable, I've pushed it back in. Still the same.",
        ),
        notes=("Checked the printer's web page: no errors logged.",),
    ),
    Topic(
        key="vpn",
        category=Category.NETWORK,
        weight=6,
        severity=ONE_PERSON_STOPPED,
        issues=(
            Issue(
                subjects=("VPN won't connect", "Can't connect to the VPN from home",
                          "Remote access not working"),
                problems=(
                    "I can't connect to the VPN from home, it just says 'connection failed'.",
                    "Since the update {when} the VPN won't connect at all.",
                ),
                fixes=(
                    "Your account had dropped out of the VPN group after the firewall update; "
                    "I've added it back. It connects now.",
                    "I've switched your VPN to a mode that works through home routers. It "
                    "should connect now.",
                ),
                notes=(
                    "Firewall firmware update reset the VPN group; re-added the user.",
                    "Home router blocks the VPN's UDP port; switched the profile to SSL on 443.",
                ),
            ),
            Issue(
                subjects=("VPN keeps dropping", "VPN disconnects every few minutes"),
                problems=("The VPN connects but drops every ten minutes or so.",),
                fixes=("I've changed the VPN's keep-alive settings; it should stay connected "
                       "now.",),
                notes=("Idle timeout on the VPN profile too short; raised it.",),
            ),
            Issue(
                subjects=("VPN very slow", "Shared drive slow over the VPN"),
                problems=("The VPN is so slow that opening a file on the shared drive takes "
                          "minutes.",),
                fixes=("I've turned on split tunnelling for you, so only office traffic uses the "
                       "VPN and it should be much quicker.",),
                notes=("Split tunnelling was off for this user, so all traffic went through the "
                       "office.",),
            ),
            Issue(
                subjects=("VPN asking for a certificate", "VPN certificate error"),
                problems=("The VPN client says my certificate is invalid.",),
                fixes=("I've renewed your VPN certificate and it should connect now.",),
                notes=("User's certificate expired; reissued from the firewall.",),
            ),
        ),
        details=(
            "I'm working from home all week so it's quite urgent.",
            "My home internet is fine otherwise.",
            "It was fine last week.",
            "I've restarted the laptop and the router.",
        ),
        questions=(
            "Could you tell me the exact error message the VPN client shows?",
            "Does it work if you connect through your phone's hotspot instead of your home "
            "Wi-Fi?",
            "Could you leave the laptop on and connected to the internet so I can take a "
            "look remotely?",
        ),
        answers=(
            "It says 'The remote gateway did not respond (error 809)'.",
            "Same on the hotspot, I'm afraid.",
            "Laptop is on, you can go ahead.",
        ),
        notes=("Remote session: VPN client logs collected.",),
    ),
    Topic(
        key="wifi",
        category=Category.NETWORK,
        weight=5,
        severity=TEAM_HAMPERED + ONE_PERSON_CAN_WAIT,
        issues=(
            Issue(
                subjects=("Wi-Fi dropping in the {room}", "Wi-Fi keeps cutting out"),
                problems=(
                    "The Wi-Fi in the {room} keeps dropping out during video calls.",
                    "The Wi-Fi keeps cutting out for a few seconds at a time.",
                ),
                fixes=(
                    "I've moved the Wi-Fi to a quieter channel and it's looking much more stable "
                    "from here. Let me know if it drops again.",
                    "The faulty access point has been replaced; the {room} has full signal "
                    "again.",
                ),
                notes=(
                    "Access point in the {room} rebooting itself; replacing under warranty.",
                    "Channel overlap with the neighbours; moved the 5 GHz radio to a clear "
                    "channel.",
                ),
            ),
            Issue(
                subjects=("Guest Wi-Fi password", "Wi-Fi for visitors"),
                problems=("We have visitors {when} and need the guest Wi-Fi password.",),
                details=("Could you send it today?", "It's for a client meeting."),
                fixes=("The guest Wi-Fi is 'Guests' and this month's password is on its way to "
                       "you by text.",),
                notes=("Guest password rotates monthly; sent this month's.",),
            ),
            Issue(
                subjects=("Can't connect to the office Wi-Fi", "Laptop won't join the Wi-Fi"),
                problems=("My laptop won't join the office Wi-Fi, it says it can't connect to "
                          "this network.",),
                fixes=("I've updated the Wi-Fi driver on your laptop and it connects now.",),
                notes=("Laptop's Wi-Fi driver is old; pushed the update.",),
            ),
        ),
        details=(
            "It's been like this since {when}.",
            "It's fine downstairs.",
            "We have a client meeting in there tomorrow so would be good to get it sorted.",
            "",
        ),
        questions=(
            "Is it all devices or just some laptops?",
            "Could you tell me roughly when it last happened, so I can match it with the logs?",
        ),
        answers=("All devices, phones too.", "At about 10:15 and again just after 11."),
        notes=("Checked the controller: no alerts.",),
    ),
    Topic(
        key="internet",
        category=Category.NETWORK,
        weight=1.5,
        severity=COMPANY_DOWN,
        third_party=0.6,
        tags=("outage",),
        issues=(
            Issue(
                subjects=("Internet down at {site}", "No internet in the office",
                          "Everything offline"),
                problems=(
                    "The internet is down for the whole office at {site}.",
                    "Nobody can get online; e-mail and the phones are down too.",
                ),
                fixes=(
                    "The provider has fixed the fault at the exchange and you're back on the "
                    "main line. Sorry for the disruption.",
                    "It was a failed cable between the router and the firewall; replaced, and "
                    "everything's back online.",
                ),
            ),
            Issue(
                subjects=("Internet very slow for everyone", "Internet crawling"),
                problems=("The internet has been crawling all morning for everyone.",),
                fixes=("The line was running at a tenth of its speed; the provider reset it at "
                       "the exchange and it's back to normal.",),
            ),
        ),
        details=(
            "The lights on the router are orange.",
            "We've tried turning the router off and on.",
            "We can't take card payments either.",
        ),
        questions=(
            "Could you tell me which lights are on on the router, and their colours?",
            "Is the provider's router getting power? Could you check the plug?",
        ),
        answers=(
            "Power light green, the one marked 'Internet' is red.",
            "It's plugged in and the lights are on.",
        ),
        notes=(
            "Line down at the exchange; fault logged with the ISP, reference {case}.",
            "Failed over to the 4G backup; speeds limited until the line is back.",
        ),
    ),
    Topic(
        key="email",
        category=Category.EMAIL,
        weight=10,
        severity=ONE_PERSON_CAN_WAIT + ONE_PERSON_STOPPED,
        issues=(
            Issue(
                subjects=("Outlook not syncing", "Not receiving e-mails"),
                problems=("Outlook hasn't received any new e-mails since {when}.",),
                fixes=("I've rebuilt your Outlook profile and mail is flowing again.",),
                notes=("Outlook profile corrupt; rebuilt it.",),
            ),
            Issue(
                subjects=("Can't send e-mails with attachments", "E-mails stuck in outbox"),
                problems=("E-mails with attachments get stuck in my outbox.",),
                fixes=("The attachment was over the size limit; I've shared it through "
                       "OneDrive instead and cleared your outbox.",),
                notes=("35 MB attachment over the 25 MB send limit.",),
            ),
            Issue(
                subjects=("Mailbox full", "Mailbox size warning"),
                problems=("I'm getting warnings that my mailbox is full.",),
                fixes=("I've switched on the online archive, so older mail moves out of your "
                       "mailbox automatically. You've got plenty of room now.",),
                notes=("Mailbox at 49.5 of 50 GB; enabled the archive mailbox.",),
            ),
            Issue(
                subjects=("Need access to the {shared} mailbox", "Shared mailbox access"),
                problems=("Could I get access to the {shared} mailbox please?",),
                details=("My manager has approved it.",),
                fixes=("You now have access to the mailbox; it will appear in Outlook within "
                       "the hour.",),
                notes=("Granted full access and send-as in the admin centre.",),
            ),
            Issue(
                subjects=("E-mails going to junk", "Client e-mails in junk folder"),
                problems=("E-mails from one of our clients keep going to my junk folder.",),
                fixes=("Their e-mails will go to your inbox from now on.",),
                notes=("Added the client's domain to the allowed senders in the spam policy.",),
            ),
            Issue(
                subjects=("Calendar sharing with my PA", "PA access to my calendar"),
                problems=("Could you give my PA access to my calendar so she can book "
                          "meetings?",),
                fixes=("Done: your PA can now see and edit your calendar.",),
                notes=("Delegate access granted.",),
            ),
            Issue(
                subjects=("Outlook keeps asking for my password",),
                problems=("Outlook keeps popping up asking for my password, even after I type "
                          "it.",),
                fixes=("I've cleared the saved credentials and signed Outlook in again; it "
                       "shouldn't ask any more.",),
                notes=("Stale token in Credential Manager.",),
            ),
            Issue(
                subjects=("Bounce-back when e-mailing a supplier", "E-mail bouncing"),
                problems=("When I e-mail one of our suppliers it bounces back with an error.",),
                fixes=("The problem was on the supplier's side; they've fixed their settings and "
                       "e-mail goes through now.",),
                notes=("Supplier's domain has a broken SPF record; let them know.",),
            ),
        ),
        details=(
            "It's fine on my phone.",
            "I've restarted Outlook twice.",
            "I need it sorted before I go on leave on Friday.",
            "It's quite urgent.",
            "",
        ),
        questions=(
            "Does it work in Outlook on the web (outlook.office.com)?",
            "When is a good time for me to connect to your PC for ten minutes?",
            "Could you forward me any error message you received?",
        ),
        answers=(
            "Yes, it works on the web, just not in Outlook.",
            "Any time after 2 is fine.",
            "Forwarded, thanks.",
        ),
        notes=("Checked message trace in the admin centre.",),
    ),
    Topic(
        key="password",
        category=Category.ACCOUNTS,
        weight=9,
        severity=ONE_PERSON_STOPPED,
        issues=(
            Issue(
                subjects=("Locked out of my account", "Account locked"),
                problems=("I'm locked out of my account after getting my password wrong a few "
                          "times.",),
                fixes=("I've unlocked your account and you should be able to log in now.",),
                notes=("Account locked by repeated attempts from an old phone with the old "
                       "password.",),
            ),
            Issue(
                subjects=("Password reset please", "Forgot my password"),
                problems=(
                    "Could you reset my password please? I've forgotten it after the holidays.",
                    "I've forgotten my password, could you reset it?",
                ),
                fixes=("Your password has been reset; I've given you a temporary one by phone. "
                       "You'll be asked to change it when you log in.",),
                notes=("Identity confirmed by phone call-back to the number on file.",),
            ),
            Issue(
                subjects=("Password expired", "Can't change my expired password"),
                problems=("My PC says my password has expired and won't let me change it.",),
                fixes=("Your password has been reset; I've given you a temporary one by phone. "
                       "You'll be asked to change it when you log in.",),
                notes=("Identity confirmed by phone call-back to the number on file.",),
            ),
            Issue(
                subjects=("New phone, need to set up MFA again", "Authenticator app on new "
                          "phone"),
                problems=("I have a new phone and the authenticator app doesn't have my account "
                          "any more.",),
                fixes=("Your MFA has been reset; set up the authenticator on your new phone when "
                       "you next log in.",),
                notes=("MFA methods cleared; user re-registered with the new phone.",),
            ),
        ),
        details=(
            "I can't do anything until I'm back in.",
            "I'm in the office today.",
            "Please call me on my mobile.",
        ),
        questions=(
            "Could I call you to confirm your identity before I reset it?",
            "Could you confirm the last digits of your mobile number so I can send the code?",
        ),
        answers=("Yes, call me now.", "It's the one ending in {n}."),
        notes=("Identity confirmed by phone call-back to the number on file.",),
    ),
    Topic(
        key="new_starter",
        category=Category.ACCOUNTS,
        weight=4,
        severity=((3, 3), (3, 2), (2, 3)),
        third_party=0.25,
        tags=("new starter", "hardware order"),
        issues=(
            Issue(
                subjects=("New starter on Monday", "New starter: {newbie}",
                          "Set up account and laptop for new starter"),
                problems=(
                    "We have a new starter, {newbie}, joining on Monday.",
                    "{newbie} is starting with us next week as an administrator.",
                    "Could you set up a new user, {newbie}, starting on the 1st?",
                ),
                fixes=(
                    "Everything is ready for the new starter: account, e-mail and laptop. The "
                    "login details are in a sealed envelope with the laptop.",
                    "The account is set up and the laptop is on its way to {site}.",
                ),
            ),
        ),
        details=(
            "They will need e-mail, the shared drive and the accounts package.",
            "Could you order a laptop the same as everyone else's?",
            "Same access as me please.",
            "They'll be based at {site}.",
        ),
        questions=(
            "Could you confirm their job title and which groups they should be in?",
            "Do they need a laptop ordering, or will they use a spare?",
        ),
        answers=(
            "Administrator, same groups as the rest of the office team.",
            "Please order a new laptop.",
        ),
        notes=(
            "Laptop ordered from the distributor, order {case}, ETA 3 working days.",
            "Account created, licence assigned, added to the office groups.",
            "Laptop built and enrolled; handover booked for the start date.",
        ),
    ),
    Topic(
        key="leaver",
        category=Category.ACCOUNTS,
        weight=2.5,
        severity=((3, 3), (3, 2)),
        issues=(
            Issue(
                subjects=("Leaver: please disable account", "Staff member leaving on Friday",
                          "Remove access for a leaver"),
                problems=(
                    "One of our team is leaving on Friday; please disable their account at "
                    "5 pm.",
                    "Could you remove access for someone who left yesterday?",
                ),
                fixes=("The account is disabled and their e-mail now comes to you. Their files "
                       "are kept for six months.",),
            ),
        ),
        details=(
            "Please forward their e-mails to me.",
            "Their laptop will come back to the office.",
            "We need to keep their files for six months.",
        ),
        questions=("Who should get access to their mailbox and files?",),
        answers=("Me please, for a month.",),
        notes=(
            "Account disabled, sessions revoked, licence removed, mailbox converted to shared.",
            "Laptop wiped and returned to stock.",
        ),
    ),
    Topic(
        key="laptop",
        category=Category.HARDWARE,
        weight=8,
        severity=ONE_PERSON_STOPPED + ONE_PERSON_CAN_WAIT,
        asset=AssetType.LAPTOP,
        third_party=0.2,
        tags=("onsite", "warranty"),
        issues=(
            Issue(
                subjects=("Laptop very slow", "Laptop slow to start"),
                problems=("My laptop has become really slow, it takes ages to open anything.",),
                fixes=("I've cleaned up the disk and updated everything; it's running much "
                       "faster now.",),
                notes=("Disk at 98 %; cleared temp files and moved old downloads to OneDrive.",),
            ),
            Issue(
                subjects=("Laptop running out of space", "Disk full warning"),
                problems=("My laptop says the disk is almost full.",),
                fixes=("I've cleared out the temporary files and moved your old downloads to "
                       "OneDrive; you have plenty of space again.",),
                notes=("Disk at 98 %; cleared temp files and moved old downloads to OneDrive.",),
            ),
            Issue(
                subjects=("Laptop won't turn on", "Laptop dead this morning"),
                problems=("My laptop won't turn on at all this morning.",),
                fixes=("It was the charger: a new one is with you and the laptop starts again.",),
                notes=("Charger faulty; swapped with stock.",),
            ),
            Issue(
                subjects=("Battery not charging", "Laptop battery problem"),
                problems=("My laptop battery isn't charging any more.",),
                fixes=("A new charger is with you, and the battery is charging again.",),
                notes=("Charger faulty; swapped with stock.",),
            ),
            Issue(
                subjects=("Cracked laptop screen", "Broken laptop screen"),
                problems=("I dropped my laptop and the screen is cracked.",),
                fixes=("The manufacturer's engineer replaced the screen today; the laptop is "
                       "ready to collect.",),
                notes=("Warranty claim raised with the manufacturer, case {case}.",),
            ),
            Issue(
                subjects=("Keyboard keys not working", "Laptop keyboard problem"),
                problems=("Some of the keys on my keyboard have stopped working.",),
                fixes=("The manufacturer's engineer replaced the keyboard today; the laptop is "
                       "ready to collect.",),
                notes=("Warranty claim raised with the manufacturer, case {case}.",),
            ),
            Issue(
                subjects=("Blue screen on my laptop", "Laptop keeps crashing"),
                problems=("My laptop keeps crashing with a blue screen.",),
                fixes=("The laptop has had new memory fitted and has run all day without a "
                       "crash.",),
                notes=("Memory test failed; replacing the RAM.",),
            ),
            Issue(
                subjects=("Laptop fan very loud", "Laptop overheating"),
                problems=("The fan on my laptop is constantly loud and it gets very hot.",),
                fixes=("The vents were clogged with dust; cleaned out, and it runs quiet and "
                       "cool now.",),
            ),
        ),
        details=(
            "It's the {device}.",
            "It started {when}.",
            "I have a presentation tomorrow.",
            "I can use the spare PC in the meantime.",
        ),
        questions=(
            "Could you tell me the serial number on the sticker underneath?",
            "Could you leave it with reception so we can collect it?",
            "Could you run the updates from the Start menu and restart once more?",
        ),
        answers=(
            "Serial is on the sticker, photo attached.",
            "It's at reception now.",
            "Done, still the same.",
        ),
        notes=(
            "Hardware diagnostics run remotely.",
            "Out of warranty; quote for a replacement sent to the boss.",
        ),
    ),
    Topic(
        key="peripherals",
        category=Category.HARDWARE,
        weight=4,
        severity=ONE_PERSON_CAN_WAIT,
        third_party=0.15,
        tags=("hardware order",),
        issues=(
            Issue(
                subjects=("Second monitor not working", "Docking station problem"),
                problems=(
                    "My second monitor shows 'no signal'.",
                    "When I plug my laptop into the dock nothing happens.",
                ),
                fixes=("The dock's firmware is updated and both monitors work again.",),
                notes=("Dock firmware updated remotely.",),
            ),
            Issue(
                subjects=("Headset for Teams calls", "Need a headset"),
                problems=("Could we order a headset for Teams calls?",),
                fixes=("Your new headset has been delivered to reception.",),
                notes=("Ordered from the distributor, delivery tomorrow.",),
            ),
            Issue(
                subjects=("Need a new mouse and keyboard", "Mouse stopped working"),
                problems=("My mouse has died, could I get a new one?",),
                fixes=("A new mouse and keyboard are at reception for you.",),
                notes=("Ordered from the distributor, delivery tomorrow.",),
            ),
            Issue(
                subjects=("Webcam not detected",),
                problems=("Teams says it can't find a camera.",),
                fixes=("Sorted: the camera's privacy shutter was closed.",),
                notes=("Camera privacy shutter was closed.",),
            ),
        ),
        details=("I've tried another cable.", "It worked yesterday.", "Nothing fancy needed."),
        questions=(
            "Could you unplug the dock's power for a minute and plug it back in?",
            "Is a wired one OK, or would you prefer wireless?",
        ),
        answers=("Done that, still nothing.", "Wireless would be great."),
        notes=("Checked device manager remotely.",),
    ),
    Topic(
        key="backup",
        category=Category.BACKUP,
        weight=4,
        severity=((3, 2), (3, 1), (2, 2), (2, 1)),
        third_party=0.1,
        issues=(
            Issue(
                subjects=("Restore a deleted file", "Deleted a folder by mistake"),
                problems=("I accidentally deleted a folder on the shared drive. Can it be "
                          "restored?",),
                details=("It was in the Clients folder, I think it was deleted yesterday "
                         "afternoon.",),
                fixes=("The folder is back where it was, restored from last night's backup.",),
                notes=("Restored from last night's snapshot into the original location.",),
            ),
            Issue(
                subjects=("Need an old version of a spreadsheet",),
                problems=("I saved over an important spreadsheet; is there an older version?",),
                details=("It's the accounts spreadsheet, the version from Monday would be "
                         "fine.",),
                fixes=("I've restored the version from Monday next to the current one, with "
                       "'restored' in the name.",),
                notes=("Restored from Monday's restore point.",),
            ),
            Issue(
                subjects=("Backup failed alert", "Backup failed last night"),
                problems=("We got an e-mail saying last night's backup failed.",),
                details=("This is the second failure this week.", ""),
                fixes=("Last night's backup failed because the backup disk was full. I've made "
                       "room and tonight's job ran fine.",),
                notes=(
                    "Backup target out of space; pruned old restore points.",
                    "Backup agent service stopped after a Windows update; restarted and set to "
                    "automatic.",
                ),
            ),
        ),
        details=("",),
        questions=(
            "Could you give me the full path and roughly when it happened?",
            "Which version would you like, the one from last night or last week?",
        ),
        answers=("It's S:\\Clients\\2024, around 3 pm yesterday.", "Last night's please."),
        notes=("Checked the backup console.",),
    ),
    Topic(
        key="phishing",
        category=Category.SECURITY,
        weight=4,
        severity=((2, 1), (3, 1), (2, 2), (3, 2)),
        tags=("security",),
        issues=(
            Issue(
                subjects=("Suspicious e-mail", "Is this e-mail genuine?"),
                problems=("I've had an e-mail asking me to log in to see a shared document; it "
                          "looks odd.",),
                details=("I haven't clicked anything.", "I've forwarded it to you."),
                fixes=("It was a phishing e-mail. I've removed it from everyone's mailbox and "
                       "blocked the sender. Thanks for reporting it.",),
                notes=("Sender domain blocked; message purged from all mailboxes.",),
            ),
            Issue(
                subjects=("I clicked a link in an e-mail", "Phishing e-mail about an invoice"),
                problems=("I clicked a link in an e-mail about an unpaid invoice before I "
                          "realised it looked wrong.",),
                details=("I did type my password in, sorry.", "I didn't enter my password."),
                fixes=("We've reset your password and checked your account: no one else got in. "
                       "Well spotted.",),
                notes=("Password reset, all sessions revoked, MFA re-registered.",),
            ),
            Issue(
                subjects=("Strange e-mail sent from my account",),
                problems=("Several people received an e-mail from me that I didn't send.",),
                fixes=("Someone had your password; we've locked them out, reset it and removed "
                       "the rule they had set up.",),
                notes=("Forwarding rule created by the attacker removed; sign-in logs checked.",),
            ),
            Issue(
                subjects=("Supplier asking to change bank details",),
                problems=("We've had an e-mail from a supplier asking us to change their bank "
                          "details.",),
                fixes=("Please don't change the bank details: it's a scam. Call the supplier on "
                       "the number you already have.",),
                notes=("Bank-detail change is a known invoice fraud; advised call-back on a "
                       "known number.",),
            ),
        ),
        details=("",),
        questions=(
            "Did you enter your password or open any attachment?",
            "Could you forward the e-mail to us as an attachment, without clicking anything?",
        ),
        answers=("No, I only clicked the link and closed it.", "Forwarded as an attachment."),
        notes=("Sign-in logs checked: nothing unusual.",),
    ),
    Topic(
        key="software",
        category=Category.SOFTWARE,
        weight=9,
        severity=ONE_PERSON_CAN_WAIT + ONE_PERSON_STOPPED,
        third_party=0.12,
        issues=(
            Issue(
                subjects=("{app} won't open", "{app} crashes on start"),
                problems=("{app} won't open, it shows the splash screen then closes.",),
                fixes=("I've repaired the installation and it opens fine now.",),
                notes=("Repaired the installation; user profile settings reset.",),
            ),
            Issue(
                subjects=("{app} update error", "Error after {app} update"),
                problems=("{app} asked to update and now shows an error.",),
                fixes=("The vendor's patch fixed the update error.",),
                notes=("Vendor support case {case} for the update error.",),
            ),
            Issue(
                subjects=("Please install {app}", "Licence for {app}"),
                problems=("Could you install {app} on my PC please?",),
                details=("My manager has approved it.", "I need it for a project next week."),
                fixes=("{app} is installed and on your Start menu.",),
                notes=("Installed via the deployment tool; licence added to the register.",),
            ),
            Issue(
                subjects=("Office asking to activate", "Word says unlicensed product"),
                problems=("Word says 'unlicensed product' and won't let me edit.",),
                fixes=("Office is activated again; you can edit documents.",),
                notes=("Repaired the Office install; licence reactivated.",),
            ),
            Issue(
                subjects=("Teams keeps crashing", "Can't share my screen in Teams"),
                problems=("Teams crashes whenever I try to share my screen.",),
                fixes=("I've cleared Teams' cache and screen sharing works now.",),
                notes=("Cleared the Teams cache.",),
            ),
            Issue(
                subjects=("Excel freezing", "Excel not responding"),
                problems=("Excel freezes when I open the big budget spreadsheet.",),
                fixes=("I've turned off the add-in that was slowing Excel down; the spreadsheet "
                       "opens in seconds now.",),
                notes=("COM add-in from an old PDF tool hanging Excel; disabled.",),
            ),
        ),
        details=(
            "I need it for month end.",
            "It worked fine before the weekend.",
            "It's the same on the other PC.",
            "",
        ),
        questions=(
            "Could you send me a screenshot of the error?",
            "Is it OK if I restart your PC at lunchtime?",
        ),
        answers=("Screenshot attached.", "Yes, go ahead at 1."),
        notes=("Checked the application event log.",),
    ),
    Topic(
        key="files",
        category=Category.SOFTWARE,
        weight=6,
        severity=ONE_PERSON_CAN_WAIT + TEAM_HAMPERED,
        issues=(
            Issue(
                subjects=("Can't access the shared drive", "Access denied on the shared drive"),
                problems=("I can't open the shared drive, it says access denied.",),
                fixes=("You have access again; you may need to log off and on again.",),
                notes=("User had dropped out of the staff group after a rename; re-added.",),
            ),
            Issue(
                subjects=("S: drive missing", "Shared drive disappeared"),
                problems=("My S: drive has disappeared from This PC.",),
                fixes=("Your S: drive is back; you may need to log off and on again.",),
                notes=("Drive mapping not applied over the VPN; added a logon script "
                       "fallback.",),
            ),
            Issue(
                subjects=("OneDrive not syncing",),
                problems=("OneDrive has a red cross and hasn't synced since {when}.",),
                fixes=("OneDrive is syncing again.",),
                notes=("OneDrive token expired; signed out and back in.",),
            ),
            Issue(
                subjects=("File locked for editing",),
                problems=("A spreadsheet says it's locked for editing by me, but I don't have "
                          "it open.",),
                fixes=("The lock has been cleared and you can edit the file.",),
                notes=("Stale lock file removed on the file server.",),
            ),
            Issue(
                subjects=("Need access to the {shared} folder",),
                problems=("Could I get access to the {shared} folder please?",),
                details=("My manager has approved it.",),
                fixes=("You have access now; you may need to log off and on again.",),
                notes=("Added the user to the folder's security group.",),
            ),
        ),
        details=("Others can get in fine.", "I've restarted my laptop.", ""),
        questions=(
            "Are you in the office or working from home today?",
            "Could you tell me the full name of the file or folder?",
        ),
        answers=("Working from home today.", "It's the Q3 forecast in Finance."),
        notes=("Checked permissions on the file server.",),
    ),
    Topic(
        key="phones",
        category=Category.HARDWARE,
        weight=3,
        severity=ONE_PERSON_CAN_WAIT,
        issues=(
            Issue(
                subjects=("Desk phone not working",),
                problems=("My desk phone says 'no service'.",),
                fixes=("The phone is working again.",),
                notes=("Phone re-provisioned on the hosted platform.",),
            ),
            Issue(
                subjects=("Set up e-mail on my new phone",),
                problems=("I have a new work phone, could you help set up e-mail?",),
                fixes=("E-mail is set up on your phone; the company portal app is installed "
                       "too.",),
            ),
            Issue(
                subjects=("Voicemail PIN",),
                problems=("I've forgotten my voicemail PIN.",),
                fixes=("Your voicemail PIN has been reset to the default; you'll be asked to "
                       "change it.",),
            ),
            Issue(
                subjects=("Calls not diverting to mobile",),
                problems=("Calls to my extension don't divert to my mobile any more.",),
                fixes=("The divert is back on; calls reach your mobile after four rings.",),
                notes=("Divert rule re-added.",),
            ),
        ),
        details=("It was fine yesterday.", "I'm out on site most of this week.", ""),
        questions=("Is the phone plugged into the same socket as before?",),
        answers=("Yes, same socket.",),
        notes=("Checked the hosted phone portal.",),
    ),
    Topic(
        key="other",
        category=Category.OTHER,
        weight=3,
        severity=((3, 3), (3, 3), (2, 3)),
        third_party=0.2,
        issues=(
            Issue(
                subjects=("Quote for new laptops",),
                problems=("Could you quote us for {n} new laptops?",),
                fixes=("The quote is in your inbox.",),
                notes=("Quote from the distributor, valid 14 days.",),
            ),
            Issue(
                subjects=("Moving desks next week",),
                problems=("We're moving desks around next week; can you help move the PCs?",),
                fixes=("All desks are moved and everything is plugged in and tested.",),
            ),
            Issue(
                subjects=("Website contact form not working",),
                problems=("The contact form on our website doesn't seem to send e-mails any "
                          "more.",),
                fixes=("The contact form sends e-mails again.",),
                notes=("Form's SMTP credentials updated on the web host.",),
            ),
            Issue(
                subjects=("Question about our domain renewal",),
                problems=("We've had a letter about renewing our domain name; is it genuine?",),
                fixes=("That letter isn't genuine; we renew your domain automatically.",),
                notes=("Domain renewal letter is a known scam; domain is with us until next "
                       "year.",),
            ),
            Issue(
                subjects=("Meeting room screen",),
                problems=("The screen in the {room} won't show anything from the laptops.",),
                fixes=("The screen's input had been switched; it shows laptops again.",),
            ),
        ),
        details=("No rush.", "Ideally before the end of the month.", ""),
        questions=(
            "Could you confirm when you need this by?",
            "What day suits you?",
        ),
        answers=("By the end of next month.", "Thursday would be best."),
        notes=("Discussed with the account manager.",),
    ),
)

GREETINGS: tuple[str, ...] = (
    "Hi,", "Hello,", "Hi {tech},", "Hi there,", "Hi team,", "Hello IT,", "Dear support,", "",
)
CLOSINGS: tuple[str, ...] = (
    "Thanks", "Thanks,", "Many thanks,", "Cheers,", "Kind regards,", "Thank you,", "Best,",
)
STAFF_OPENERS: tuple[str, ...] = ("Hi {first},", "Hi {first},", "Hello {first},", "Dear {first},")
STAFF_SIGNOFFS: tuple[str, ...] = (
    "Thanks,\n{tech}", "Kind regards,\n{tech}", "Best,\n{tech}", "{tech}",
    "Thanks,\n{tech}\nNorthgate IT service desk",
)
ACKNOWLEDGEMENTS: tuple[str, ...] = (
    "Thanks for letting us know, I'm looking into it now.",
    "Thanks, I've picked this up.",
    "Sorry to hear that; I'll take a look this morning.",
    "Thanks for the details, I'm on it.",
)
# When a topic's own questions have all been asked: follow-ups, and the client's answers.
FOLLOW_UPS: tuple[str, ...] = (
    "I've made a change at our end. Could you try again and let me know?",
    "Thanks, that helps. I'm still working on it and will update you shortly.",
    "Could you restart and try once more? I've pushed a fix to your machine.",
)
FOLLOW_UP_ANSWERS: tuple[str, ...] = (
    "Tried again, still the same I'm afraid.",
    "OK, thanks for the update.",
    "Restarted, I'll let you know.",
)
THANKS: tuple[str, ...] = (
    "That's working now, thank you!",
    "Brilliant, all sorted. Thanks {tech}.",
    "Thanks, that's fixed it.",
    "Perfect, thank you for the quick help.",
    "All good now, thanks.",
)
CHASERS: tuple[str, ...] = (
    "Any update on this please?",
    "Just chasing this, it's still not working.",
    "Hi, is there any news? We're still stuck.",
    "Sorry to chase, but this is holding us up.",
)
WHEN: tuple[str, ...] = (
    "this morning", "yesterday", "after lunch", "on Monday", "since the weekend",
    "since the update last night", "about an hour ago", "last week",
)
APPS: tuple[str, ...] = (
    "Sage 50", "Xero", "Adobe Acrobat", "Zoom", "the CRM", "Chrome", "AutoCAD LT", "SketchUp",
    "the practice management system", "QuickBooks", "Visio", "Project",
)
SHARED: tuple[str, ...] = ("Accounts", "Reception", "HR", "Projects", "Sales", "Finance")
ROOMS: tuple[str, ...] = (
    "meeting room", "boardroom", "training room", "first-floor office", "kitchen", "studio",
)
LAPTOP_MODELS: tuple[str, ...] = (
    "Dell Latitude 5440", "Dell Latitude 7450", "Lenovo ThinkPad T14", "Lenovo ThinkPad E14",
    "HP EliteBook 840", "HP ProBook 450", "Microsoft Surface Laptop 5", "MacBook Air M2",
)
PRINTER_MODELS: tuple[str, ...] = (
    "Ricoh IM C3000", "Kyocera TASKalfa 2554ci", "HP LaserJet Pro M404", "Brother MFC-L8900",
    "Canon imageRUNNER C3226", "Xerox VersaLink C405",
)
SERVER_MODELS: tuple[str, ...] = (
    "Dell PowerEdge T350", "HPE ProLiant ML30", "Synology RS1221+", "Lenovo ThinkSystem ST250",
)
NETWORK_MODELS: tuple[str, ...] = (
    "WatchGuard Firebox T45", "FortiGate 40F", "Ubiquiti UniFi Dream Machine", "Draytek Vigor 2865",
)
TIME_NOTES: tuple[str, ...] = (
    "Remote session", "Diagnosis and fix", "Remote support", "On site", "Phone call and fix",
    "Investigation", "Configuration", "Follow-up",
)

RECURRING_SUBJECT = "Monthly backup check"
RECURRING_BODY = (
    "Monthly check of the backups: confirm every job completed, test-restore one file, check "
    "the free space on the backup target and the off-site copy."
)
RECURRING_NOTES: tuple[str, ...] = (
    "All jobs green for the month. Test restore of a random file from the shared drive OK. "
    "Backup target {n} % full.",
    "One failed job on the 12th (agent update), succeeded on retry. Test restore OK. Target "
    "{n} % full.",
    "Jobs green. Off-site copy 2 days behind; kicked it off manually. Test restore OK.",
)
RECURRING_REPLIES: tuple[str, ...] = (
    "Hi {first},\n\nThis month's backup check is done: all backups ran and a test restore "
    "worked. Nothing for you to do.\n\n{tech}",
    "Hi {first},\n\nBackup check done. Everything is fine; the backup disk is {n} % full, so "
    "we'll plan for more space next quarter.\n\n{tech}",
)
