"""Phrase banks for the labelled synthetic notes (``ontrack.synth.notes``).

Each bank is a pair: (dev variants, held-out variants); the held-out half is never read
while the classifier's rules are written. ``{C}``/``{c}`` stand for the client (a name or a
pronoun), ``{task}`` and ``{when}`` for the task and its timing. The wording was written
from how UK talking-therapy notes read, not from the classifier's lexicons.
"""

from __future__ import annotations

# A task: (words, whether it is itself a record of what happened).
TASKS: tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]] = (
    (
        ("fill in a thought record", True),
        ("plan some enjoyable activities into her week", False),
        ("keep the activity diary", True),
        ("take the bus as the next step on the exposure ladder", False),
        ("do the breathing exercise from the booklet", False),
        ("read chapter 3 of the self-help workbook", False),
        ("run the experiment of saying hello to a colleague", False),
        ("walk to the corner shop and back without her phone", False),
        ("log panic attacks on the panic diary", True),
        ("phone her sister for a chat", False),
        ("leave the dishes unchecked after washing up", False),
        ("try the 'worry tree' on one real worry", False),
        ("get up at the same time whatever time she fell asleep", False),
        ("eat regular meals and snacks", False),
    ),
    (
        ("use the 5-column thought log", True),
        ("stand in the supermarket queue without leaving", False),
        ("go through module 4 of the online course", False),
        ("postpone worries to a set worry period", False),
        ("complete the sleep diary", True),
        ("practise progressive muscle relaxation", False),
        ("write down things that went OK", True),
        ("sit in the café without looking at the exit", False),
        ("send a text to an old friend", False),
        ("touch the bin lid and not wash straight away", False),
        ("listen to the audio of the trauma narrative", False),
        ("spend time in the garden", False),
        ("tally the times she seeks reassurance", True),
        ("drop the safety behaviour of rehearsing sentences", False),
    ),
)
WHEN = (
    (
        "every evening",
        "three times this week",
        "on Monday, Wednesday and Friday",
        "for 10 minutes each morning",
        "after the school run on weekdays",
        "at 8pm daily",
        "on at least four days",
        "each lunchtime at work",
    ),
    (
        "twice daily",
        "after dinner each day",
        "4x over the week",
        "whenever she notices the urge to check",
        "on Tues and Sat",
        "first thing every morning",
        "once a day for the next 7 days",
        "each time the worry starts",
    ),
)
SET = (
    (
        "Agreed homework: {task}{when}.",
        "{C} will {task}{when} before we next meet.",
        "For homework {c} is going to {task}{when}.",
        "Homework agreed together - {task}{when}.",
        "{C} chose to {task}{when} this week.",
        "Plan for the week: {task}{when}.",
        "Asked {c} to {task}{when}.",
        "We agreed she would {task}{when}.",
    ),
    (
        "Between-session task negotiated - {task}{when}.",
        "{C} committed to {task}{when}.",
        "Task for the coming week is to {task}{when}.",
        "Set: {task}{when}.",
        "{C} suggested she could {task}{when}, which we agreed.",
        "Next week: {task}{when}.",
        "{C} to {task}{when}.",
        "She'll {task}{when} and we'll look at how it went.",
    ),
)
VAGUE_SET = (
    (
        "Homework: to keep going with things and see how it goes.",
        "Agreed task - try to be more positive this week.",
        "Homework - just to look after herself.",
    ),
    (
        "Homework - carry on as before.",
        "Set homework of having a think about what we discussed.",
        "Task: keep at it.",
    ),
)
# Continuing last week's named task: homework set, not specific unless a timing is given.
CONTINUE_SET: tuple[tuple[tuple[str, bool], ...], ...] = (
    (
        ("Same homework as last week - the activity diary.", True),
        ("Continue the thought records.", True),
    ),
    (("Carry on with the sleep diary.", True), ("Same again with the worry period.", False)),
)
RATIONALE = (
    (
        "The idea is to test whether her prediction comes true.",
        "We linked this to how mood follows activity, so she can see for herself.",
        "Explained that facing it bit by bit lets the anxiety come down on its own.",
        "This should show her whether the checking really keeps her safe.",
        "{C} said she thinks it will help her feel less stuck.",
    ),
    (
        "Aim: gather evidence on whether the worst happens.",
        "Purpose explained - weakening the avoidance that keeps the fear going.",
        "Reminded her that doing comes before feeling like doing.",
        "The point is to learn that the urge passes without acting on it.",
        "Rationale given (breaking the worry-avoidance cycle).",
    ),
)
OBSTACLES = (
    (
        "We talked through what might get in the way and agreed a back-up time.",
        "{C} said it felt doable, though she may struggle after work.",
        "If she is too tired she will do a shorter version rather than skip it.",
        "{C} was nervous about it but keen to try.",
        "We planned what she could do if the bus is busy.",
    ),
    (
        "Anticipated barrier: childcare - plan B is straight after the school run.",
        "{C} seemed hesitant but willing; confidence 6/10.",
        "She's worried she will forget, so she'll set a phone reminder.",
        "{C} reckons the weekend will be hardest.",
        "Thought about what to do if her partner wants to come along.",
    ),
)
MONITORING = (
    (
        "{C} will rate anxiety 0-10 before and after each go.",
        "She'll tick it off when it's done and note how she felt.",
        "She will jot down what happened and her mood each time.",
        "To mark each day she manages it on the calendar.",
    ),
    (
        "To log SUDS at the start and end.",
        "Will bring the completed record next time.",
        "Recording mood out of 10 afterwards.",
        "She'll keep count on her phone.",
    ),
)
WRITTEN = (
    (
        "Task written on the homework sheet for her to take away.",
        "Printed copy of the plan given.",
        "Worksheet emailed after the session.",
        "Plan written on a card for her purse.",
    ),
    (
        "Wrote the plan in her notebook together.",
        "Worksheet handed over and also uploaded to the portal.",
        "Sheet posted out today.",
        "Instructions typed up and sent by secure email.",
    ),
)
REVIEW = {
    "done": (
        (
            "Reviewed last week's homework: completed most days.",
            "{C} had done the diary every day and brought it in.",
            "Went over the task from last time - all done.",
        ),
        (
            "Feedback on the task from last time - fully done and found useful.",
            "She managed the practice every day since we last met.",
            "Rvw of hw: done x6.",
        ),
    ),
    "partly": (
        (
            "Went through last week's task: managed about half of it.",
            "{C} did the first two days of the diary and then stopped.",
        ),
        ("HW check: partly done, stopped midweek.", "Had a go at the task twice out of five."),
    ),
    "not_done": (
        (
            "Reviewed homework - not done because of work pressures.",
            "{C} hadn't managed the task - her son was ill.",
        ),
        (
            "Task set previously wasn't attempted; we looked at what got in the way.",
            "She said she didn't get round to the diary at all.",
        ),
    ),
}
RISK_ROUTINE = (
    (
        "Risk reviewed: no thoughts of harming herself.",
        "Denies suicidal ideation.",
        "Risk: none identified.",
        "Asked about suicidal thoughts - none.",
    ),
    (
        "No SI/SH disclosed when asked.",
        "Asked about self-harm - none, protective factors are her kids.",
        "Risk - nil, no change.",
        "She said she has no thoughts of ending her life.",
    ),
)
RISK_POSITIVE = (
    (
        "Reports fleeting thoughts of not wanting to be here, no plan or intent; "
        "safety plan updated.",
        "Some thoughts that others would be better off without her; no intent; crisis "
        "line numbers checked.",
    ),
    (
        "Q9 positive - passive wish to be dead, no intent, crisis numbers given.",
        "Passive SI this week, no plan; agreed she will ring 111 if the thoughts get stronger.",
    ),
)
GOALS = (
    (
        "Goals rated {a}/10 and {b}/10.",
        "Reviewed progress towards her goals ({a}/10).",
        "Goal ratings today: {a} and {b} out of 10.",
    ),
    (
        "GBO: {a}, {b}.",
        "Progress on her aims for therapy rated {a}/10.",
        "Goals re-rated {a}, {b}.",
    ),
)
# Distractors: (text, labels they carry).
NOT_HOMEWORK = (
    (
        ("Talked about why homework matters in CBT.", ()),
        ("No homework this week as she was unwell.", ()),
        ("Didn't agree any tasks today.", ()),
        ("Will set a thought record next session.", ()),
        ("Gave a leaflet on sleep hygiene.", ()),
        ("Safety plan completed together and a copy given.", ("risk_discussed",)),
        ("Encouraged her to look after herself.", ()),
        ("Practised slow breathing together in session.", ()),
        ("She might try journalling if she feels like it - left open.", ()),
        ("Opted for guided self-help; first treatment appointment in two weeks.", ()),
        ("Agreed to meet again on Thursday.", ()),
    ),
    (
        ("Client asked what homework involves; explained briefly.", ()),
        ("HW: none set.", ()),
        ("Nothing agreed for between sessions - client overwhelmed.", ()),
        ("Next session: introduce worry time.", ()),
        ("Signposted to a charity website and gave the panic information sheet.", ()),
        ("Crisis numbers shared and safety plan reviewed.", ("risk_discussed",)),
        ("Suggested he tries to be kinder to himself.", ()),
        ("Completed a thought log jointly in the session to learn the format.", ()),
        ("Homework was raised but she'd rather wait until things settle.", ()),
        ("Placed on the waiting list for step 3.", ()),
        ("Follow-up call booked for next week.", ()),
    ),
)
NOT_RISK = (
    ("Discussed the risk of relapse over Christmas.", "Talked about the risk of dropping out."),
    ("Talked about her relapse risk once sessions end.", "Financial risk to the family noted."),
)
NOT_GOALS = (
    ("Goals to be agreed next session.", "Goals not discussed today."),
    ("Will set goals at the next appointment.", "No goal ratings this time."),
)
NOT_REVIEW = (
    (
        "No homework to review as none was set last time.",
        "Didn't get to last week's task today.",
    ),
    (
        "Nothing set previously, so nothing to look back on.",
        "Homework from last time not reviewed - ran out of time.",
    ),
)
OPENERS = (
    (
        "{C} reports a difficult week with low mood.",
        "Mood a bit brighter, sleeping better.",
        "{C} arrived on time and engaged well.",
        "Seen by video; {c} was at home.",
        "Tearful at times, spoke about her job.",
        "Week mixed - good days at the weekend.",
    ),
    (
        "Week dominated by worry about work.",
        "Presented as flat, slower speech.",
        "Attended by phone from home.",
        "Bright and chatty today.",
        "Ten minutes late, apologetic.",
        "Rough week - argument with partner.",
    ),
)
COUNSELLING = (
    (
        "{C} explored feelings of loss and guilt.",
        "Reflected on her relationship with her mother.",
        "Space offered to talk about the anger.",
        "We stayed with how alone she has felt.",
    ),
    (
        "Session centred on what the bereavement has meant for her.",
        "She connected with sadness about the past.",
        "Worked with her sense of being unheard.",
        "Much of the hour was silence, which felt right.",
    ),
)
TERSE = (
    ("client", "pt"),
    ("Client", "Pt"),
    ("homework", "hw"),
    ("Homework", "HW"),
    ("thought record", "TR"),
    ("session", "sess"),
    ("week", "wk"),
    ("with", "w/"),
    ("before", "b4"),
    (" and ", " & "),
    ("minutes", "mins"),
    ("anxiety", "anx"),
    ("activity", "act"),
    ("next", "nxt"),
    ("follow-up", "f/u"),
    ("behavioural activation", "BA"),
    ("reviewed", "rev'd"),
    ("every day", "daily"),
)
