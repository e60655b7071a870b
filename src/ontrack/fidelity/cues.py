# ruff: noqa: E501  (one regular expression per line reads better than split strings)
"""Sentence shapes, rather than words, that tell what a note says about homework.

``ontrack.fidelity.lexicon`` names tasks and topics; the patterns here read how a sentence
is built: who is to do something and when ("she will finish the blueprint at home", "asked
her to notice ..."), an instruction at the head of a clause ("Cont TRs 3x/wk", "Same hw"),
a plan heading ("Plan for next week:", "Next step:"), a note that says outright that no
homework was set, and sentences that look like a plan but are not homework (goals, the
next appointment, a crisis plan, an optional idea, the choice of treatment). Every pattern
runs on text from ``ontrack.fidelity.text.normalise``.
"""

from __future__ import annotations

import re

# A one-letter subject is the client's initial ("c to ..."), never "i" (the therapist).
_SUBJECT = r"(?:she|he|they|client|patient|both|each|the couple|mr \w+|mrs \w+|ms \w+|(?!i\b)[a-z])"
_OBJECT = r"(?:her|him|them|client|patient|both|each|the couple|mr \w+|mrs \w+|ms \w+)"
# Verbs after "she will ..." that arrange contact or decide later, not a task.
_NOT_TASK_VERB = (
    r"(?:be|been|being|have|has|see|meet|come|attend|return|"
    # "think about it" decides later; "think about what they want ... before next time" is a task
    r"think(?![^.;]*\bbefore (?:the |our )?next\b)|consider|decide|let|contact|"
    r"need|needs|feel|get back|continue (?:with )?(?:sessions|therapy|treatment|counselling)|"
    r"rebook|book|ring (?:us|the service|back)|call (?:us|the service|back)|phone (?:us|back)|"
    r"hold|remain|stay on|wait|go on the waiting|take with|manage|cope|discuss|talk|bring it up|focus|"
    r"explore|exploring|work on (?:this|it|these) (?:in|next)|prefer|rather|"
    r"try(?! (?:to )?[a-z])|give it a (?:go|try)|"
    # life plans and pronouns after "is going to", not a task: "going to her sister's"
    r"(?:go|be) (?:on holiday|away|abroad|on leave)|her|his|their|the|a|an|my|hospital|"
    # decisions about the course of care, not a task for the client
    r"discharge|close|end (?:therapy|treatment|sessions|contact)|pause|re-?refer|self[- ]?refer|"
    r"step (?:up|down)|transfer|continue (?:to )?(?:explore|exploring|look(?:ing)? at|talk(?:ing)? about))"
)

# Someone is to do something: "agreed they will each do ...", "asked her to notice ...",
# "pt to bring the plan", "she'll do it on Saturday". The verb is any verb but those above.
ASSIGNED_PLAN = re.compile(
    r"\b(?:agreed|asked|arranged|negotiated|set|planned)\b(?: (?:that|with|for))?(?: "
    + _SUBJECT
    + r"| "
    + _OBJECT
    + r")?"
    r"(?: ?(?:will|would|'d|'ll|should|to|can|is to|are to|each|both|also|then)){1,3} "
    r"(?!" + _NOT_TASK_VERB + r"\b)[a-z]{2,}|"
    r"(?<!what )(?<!how )(?<!when )(?<!whether )(?<!if )(?<!where )(?<!\w)"
    + _SUBJECT
    + r"(?:'ll|'d like to|'d| would| will| is to| are to| to| is going to| are going to| plans to| wants to| would like to| is keen to| agreed to| has agreed to| has chosen to| chose to| decided to| committed to| reckons (?:she|he|they)'ll| aims? to)"
    r"(?: (?:also|then|try|try to|aim to|each|both|now|still))* (?!"
    + _NOT_TASK_VERB
    + r"\b)[a-z]{2,}"
)

# An instruction at the head of a clause: "Cont TRs", "Continue positive data log", "Same hw",
# "Read the 'balanced thinking' section", "1) TR daily".
INSTRUCTION = re.compile(
    r"^\W*(?:\d+[.)]\s*|[a-z][.)]\s+)?(?:plan\s*[:\-–]\s*)?(?:cont|continue|carry on|keep (?:up|going with|on with|doing|using|the)|"
    r"same (?:homework|task|tasks|again|plan|as last)|read|re-?read|complete|practise|practice|"
    r"fill in|write|record|schedule|add|start|begin|try|use|notice|bring|finish|repeat|listen|aim|"
    r"drop|reduce|resist|postpone|delay|go|walk|ring|call|phone|text|plan|set an alarm|build|increase)\b"
)
# "same hw", "cont with same", "carry on with the records": continuing a named task.
SAME_TASK = re.compile(
    r"\bsame (?:homework|task|tasks|again|plan|as last)\b|\bwith (?:the )?same\b|"
    r"\b(?:carry on|continue|cont|keep (?:going|on)) (?:with |using |doing )?(?:the|her|his|their|these|those|this) (?!same\b|good\b|work\b|sessions?\b|therapy\b)\w+"
)

# A heading that opens the tasks for the coming week (not the agenda for the next session).
PLAN_HEADING = re.compile(
    r"^\W*(?:(?:plan|tasks?|homework|actions?|goals? for the week|to do|agreed)(?: (?:for|until|over))? (?:the )?(?:(?:next|coming|this) )?(?:week|fortnight)|"
    r"next (?:week|fortnight)|plan next|next|next steps?(?: (?:of|on|up) (?:the )?(?:hierarchy|ladder|plan))?|"
    r"chosen solution|agreed plan|action plan|between[- ]session(?:s)?(?: tasks?| work| plan| practice)?(?: for (?:everyone|all|both|the group|each \w+))?|"
    r"to do|homework|home work|tasks?|plan|p|set|task set|homework set)\s*[:\-–]"
)

# A heading that can only introduce a task for the client, followed by one: "Set: 1 x panic
# diary entry ...", "Next step: bus 2 stops alone", "Home work one thought record a day",
# "Committed action agreed: take the kids to the park". ("Plan:" and "Next:" also head
# appointments, so they are not here.)
TASK_HEADING = re.compile(
    r"^\W*(?:(?:set|task(?:s)?(?: set| agreed)?|home ?-?work(?: set| agreed)?|hw|hwk|h/w|next (?:step|stage)s?|"
    r"between[- ]session (?:tasks?|work|practice)(?: for (?:everyone|all|both|the group|each \w+))?|"
    r"committed actions?(?: agreed)?|home practice)(?:\s*\([^)]*\))?\s*[:\-–]\s*|"
    r"next (?:step|stage)\s+|(?:home ?work|hw|hwk)\s+(?=(?:\d|one|two|three|four|five|same|cont|continue)\b))"
    r"(?=[a-z0-9(\"'])"
    r"(?!(?:none|nil|n/?a|no|not|reviewed|review|was|were|is|are|from|done|completed|discussed|set last|to be)\b)"
)

# The note says outright that no homework was set at this contact.
NO_HOMEWORK = re.compile(
    r"\bno (?:formal |specific |new |further |particular |actual |written |structured |more )?(?:home ?work|h/?w|tasks?|assignments?|between[- ]session \w+)\b(?! (?:to review|from last|was set last|had been set|reviewed|review|last|previously|completed|done|set last))|"
    r"\b(?:home ?work|h/?w|tasks?)(?: set)?\s*[:\-–=]\s*(?:none|nil|n/?a|no|not (?:set|agreed|today))\b|"
    r"\b(?:home ?work|h/?w|tasks?|anything|nothing)(?: new)? (?:was |were )?(?:not )?(?:set|agreed|given) (?:none|not|n't)\b|"
    r"\b(?:nothing|none) (?:new |else |further )?(?:set|agreed|given|assigned)\b|"
    r"\b(?:did not|didn't|didnt|not|haven't|have not|no) (?:\w+ ){0,2}(?:set|agree|agreed|give|assign)(?:ed)? (?:any|a|anything|new |homework|h/?w|tasks?)|"
    r"\b(?:home ?work|h/?w|tasks?) (?:was |were |is )?not (?:set|agreed|given)\b|"
    r"\b(?:did not|didn't|didnt|not) get to (?:the )?(?:home ?work|h/?w|setting)|"
    r"\b(?:agreed|decided|chose) (?:to take |on )?(?:a break|not to set)\b|"
    r"\b(?:home ?work|h/?w|task)s? (?:\w+ ){0,3}(?:on hold|left open|deferred|postponed)\b|"
    r"\b(?:home ?work|h/?w) (?:was )?mentioned but\b|"
    r"\b(?:agreed|decided|chose) to leave (?:it|homework|h/?w|tasks?|setting (?:anything|homework|tasks?))(?: for)? (?:this|for) (?:week|now|today|the moment)\b|"
    r"\b(?:'d|would) (?:rather|prefer to) (?:just )?(?:wait|come|talk|not)\b"
)
# "Nothing new", "not anything else": no further task, which may sit beside a continued one.
NOTHING_FURTHER = re.compile(r"\b(?:new|else|more|further|additional|extra)\b")

# Sentences that read like a plan but are not homework.
GOAL_STATEMENT = re.compile(
    r"\bgoals?\b|\bgbo\b|\bproblem statement\b|\bwhat (?:she|he|they) wants? from\b|\baims? for therapy\b|"
    r"\b(?:her|his|their|client's|the client's) aims\b|^\W*aims?\s*:"
)
TREATMENT_PLAN = re.compile(
    r"\b(?:first|initial) (?:treatment )?(?:appt|appointment|session)\b|\b(?:opt(?:ed|s)? for|waiting list|wait list|treatment options)\b|"
    r"\b(?:gsh|cbt|counselling|therapy|treatment|ipt|emdr|step \d) for (?:gad|depression|panic|ocd|ptsd|anxiety|low mood|insomnia|social)|"
    r"\blists? of (?:local )?(?:groups|services|numbers|resources|contacts|charities|organisations)\b"
)
CONTACT_ARRANGEMENT = re.compile(
    r"\b(?:appointment|appt|tel appt|phone appt|video appt|contract|contracting|sessions? (?:weekly|fortnightly|booked|spaced))\b|"
    # "agreed to ring her on Friday" arranges contact; "agreed to ring the bank" is a task
    r"\b(?:arranged|agreed|booked|offered) to (?:meet|speak|talk|see|call|phone|ring)\b"
    r"(?! (?:the|a|an) (?!service|team|clinic|surgery|office|practice|gp\b)\w+)|\bmeet in person\b|"
    r"\b(?:opt(?:ed|s)? for|waiting list|wait list|treatment options|first (?:treatment )?session|step (?:up|down))\b|"
    r"\b(?:i|we|i'll|we'll|therapist)(?: will)? (?:call|ring|phone|check in|contact|write to|email|send)\b|"
    r"^(?:will )?(?:call|ring|phone|check in|contact|write to|email|send)\b|"
    r"\bopt-in\b|\bletter sent\b|\bgp (?:informed|letter)\b"
)
CRISIS_PLAN = re.compile(
    r"\b(?:crisis|samaritans|111|999|a&e|a and e|urgent gp|duty (?:team|worker|line)|out of hours|safety plan|staying safe)\b|"
    r"\bif (?:the |these |her |his |their |any )?(?:thoughts|urges|feelings|risk|things) (?:\w+ )?(?:get|gets|become|becomes|return|returns|increase|increases|worsen|worsens)\b"
)
OPTIONAL_IDEA = re.compile(
    r"\bif (?:she|he|they|client) (?:wishes|wants|likes|fancies|feels (?:like it|up to it|able)|would like|is interested)\b|"
    r"\b(?:might|may|could) (?:try|like to|want to|consider|think about)\b|\bleft (?:it )?open\b|\boptional\b|\bno pressure\b|"
    r"\bthink (?:about|over) whether\b|\blet (?:me|us) know (?:if|whether)\b|\bfor (?:information|info|reference)\b|\bif (?:it|that) helps\b|"
    r"\bwhat (?:she|he|they) (?:will|might|would) take\b|\bwe'll set\b|\bwill set\b"
)

# The client's reaction to the task, or a difficulty foreseen: reported speech and feelings.
CLIENT_REACTION = re.compile(
    r"\b(?:said|says|felt|feels|thought|thinks|wondered|wonders|reckons|reckoned|worried|worries)(?: that| if| whether)? "
    r"(?:(?:she|he|they|i)(?:'d|'ll|'s| would| will| might| may| could| can| is going to)|(?:it|this|that|the (?:task|plan|exercise|idea|homework))(?:'s| would| will| might| could| is going to| was| is| felt| feels| sounds| sounded| seemed| seems)|"
    r"\w+ (?:are|is|would be|will be) (?:best|easiest|hardest|easier|harder|better|worse))\b|"
    r"\b(?:worried|worries|dreading|scared|nervous|apprehensive|fed up|not convinced|isn't convinced|unsure|doubtful|hesitant|reluctant|excited|pleased|relieved) (?:about|that|but|re|of|it|this)\b|"
    r"\b(?:quite|very|a bit|a little|fairly|somewhat|really|v) (?:apprehensive|anxious|nervous|keen|excited|fed up|worried|hesitant|reluctant|positive|motivated)\b|"
    r"\b(?:(?:she|he|they|pt|client|patient) (?:was|were|is|seemed|felt) )?(?:reluctant|hesitant|apprehensive|sceptical|skeptical|ambivalent|unsure) (?:at first|initially|to begin with)\b|"
    r"\b(?:willing|on board|up for it|happy with (?:that|this|the plan)|(?:'d|would) rather)\b|"
    # "Client keen", "she seemed hesitant": the client's reaction (not "anxious" or "fine",
    # which describe how she presented)
    r"\b(?:she|he|they|client|patient|pt|(?!i\b)[a-z]) (?:(?:was|is|were|are|seemed|seems|felt|feels|looked) )?(?:very |quite |really |a bit |fairly )?"
    r"(?:keen|happy|motivated|willing|agreeable|enthusiastic|reluctant|hesitant|nervous|apprehensive|unsure|confident|daunted|sceptical|skeptical|ambivalent)\b|"
    r"\b(?:felt|feels|feeling|seemed|seems) (?:able|ready|confident|comfortable|capable|up to)\b|"
    r"\b(?:ok|okay|fine|happy|comfortable|content) (?:w/|with) (?:this|that|it|the (?:plan|task|idea|homework))\b|"
    r"^\W*(?:client'?s? |pt'?s? )?(?:reaction|response|feedback)\s*[:\-–]\s*\w|"
    r"\b(?:dreading|daunted by|not looking forward to)\b|"
    r"\b(?:worried|worries|worry|thinks?|thought|fears?|feared|concerned) (?:that )?(?:she|he|they|it|this|the \w+(?: \w+)?) (?:wont|won't|will|would|might|may|can't|cant|couldn't|could) \w+|"
    r"\bwhat (?:she|he|they) (?:might|could|would|will) do if\b|\bwhat if\b|"
    r"\b(?:rather than|instead of) (?:skip|skipping|giving up|avoiding|leaving|answering|washing|checking)|"
    # more ways of telling the reaction: "He was pleased", "she was open to it", "thought that
    # was a good idea", "will give it a go", "makes sense", "pt replied 'ok'", "might be tricky"
    r"\b(?:was|were|is|are|seemed|seems|felt|feels|looked|sounded) (?:much |very |quite |really |a bit |more |visibly )?"
    r"(?:pleased|relieved|happier|keener|open to (?:it|this|that|the idea|trying)|fine with|matter[- ]of[- ]fact|up for (?:it|this)|positive about)\b|"
    r"\b(?:liked|likes|like) (?:that|the idea|the plan|this|having)\b|\b(?:a )?good idea\b|"
    r"\b(?:give|giving|have) (?:it|this|that) a (?:go|try|shot|whirl)\b|\bmakes? (?:sense|total sense)\b|"
    r"\b(?:replied|responded|texted back)\b|\b(?:might|may|could|would) be (?:a bit |quite |very )?(?:tricky|hard|difficult|awkward|a struggle)\b|"
    r"\b(?:said|says|found|thought) (?:\w+ ){0,4}(?:was|is|were|are|would be) (?:a bit |quite |very |really )?(?:hard|difficult|tricky|awkward|scary|daunting)\b|"
    r"\b(?:thinks?|thought|said|says|predicted|expects?|feels?) (?:that )?(?:\w+ ){1,4}(?:will|would|might|may|could) be (?:a |the )?(?:problem|hard|harder|hardest|difficult|tricky|easier|easiest|best|danger)|"
    r"\b(?:concerned|anxious|nervous|hesitant) (?:about|that) (?:doing|being|driving|going|it|this|the|her|his|how)\b|"
    # a short reaction on its own: "Pt happy.", "She agree.", "Pt: 'I can do that'", "Scary but I can do it."
    r"^\W*(?:pt|client|patient|she|he|they|both|both partners)\s+(?:(?:is|was|were|seemed|sounded) )?(?:happy|relieved|agreed|agree|agrees|ok|okay|fine|excited|keen)\W*$|"
    r"^\W*(?:pt|client|patient)\s*:\s*['\"“‘]|\bi can do (?:that|it|this)\b|\b(?:said|says|say) (?:ok|okay|yes|fine)\b|\b(?:said|replied) ['\"“‘]?ok\b"
)

# Psychoeducation and the reason for the task, told as explanation.
EXPLANATION = re.compile(
    r"\b(?:explained|reminded|reminder)\b(?: \w+){0,3} (?:that|how|why|the (?:idea|point|reason|purpose|model|link|rationale))\b|"
    r"\b(?:discussed|talked about|went through|psycho-?ed(?:ucation)?(?: on| about| re)?)\b(?: \w+){0,2} (?:how|why|the (?:idea|point|reason|purpose|rationale))\b|"
    r"\b(?:keeps|keeping|maintains|maintaining) (?:\w+ ){0,4}(?:going|stuck|alive|the problem|the anxiety|the fear|the low mood)\b|"
    r"\bkeeps? (?:it|them|things|the (?:fear|anxiety|problem|low mood|depression|worry|cycle|habit)) (?:going|stuck)\b|"
    r"\bkeeps? (?:her|his|their|the) (?:mood|anxiety|worry) (?:low|high|going|up)\b|\b(?:linked|link|links|linking) (?:\w+ ){0,2}(?:to|with) (?:the |her |his |their )?formulation\b|"
    r"\bpsycho-?ed(?:ucation)? (?:on|about|re|around)\b|"
    r"\b(?:helps?|can help|will help|should help|can lift|lifts?|reduces?|reducing|builds?|strengthens?|weakens?|breaks?) (?:\w+ ){0,3}(?:mood|anxiety|worry|fear|confidence|the (?:cycle|pattern|habit|link)|it|her|him|them|to)\b|"
    r"\b(?:is|are|was) (?:the first step|what breaks|how we|a way of|a way to)\b|\bas a way (?:of|to)\b|"
    r"\b(?:mood follows|act first|action before motivation|outside-in)\b|"
    r"\bgives? (?:us |her |him |them )?(?:information|data|evidence)\b|"
    # an explanation opening the sentence: "Explained staying is what lets her learn ...",
    # "Explained: every time she doesn't check ...", "We noted that rebuilding pleasure matters"
    r"^\W*(?:i |we |therapist )?(?:(?:explained|re-?explained|reiterated)(?::| (?!the \w+ (?:technique|exercise|model)\b)\S+ \S+)|reasoning|(?:discussed|noted|agreed|said|talked about) (?:that|how))|"
    r"\bas (?:it|this|that) (?:helps|will help|should help|may help|can help)\b|\b(?:and|to) see (?:if|whether|what happens)\b|"
    r"\bto (?:maintain|consolidate|keep up|hold on to) (?:the |her |his |their )?(?:gains|progress|improvement)\b"
)

# Last time's task reported on: done, part done or not done ("Pt hadn't done hw", "has been
# practising the exercises", "completed drink diary as agreed", "found the diary useful").
_DOER = r"(?:client|she|he|they|[a-z]|mr \w+|mrs \w+|ms \w+|both|couple|participants|group)"
REPORTED_PRACTICE = re.compile(
    r"\b"
    + _DOER
    + r"(?: \w+){0,2}? (?:has|had|have)(?:n't| not)? (?:been )?(?:(?:\w+ly|all|most|some|half|partly) )?"
    r"(?:done|doing|did|completed|completing|managed|tried|trying|used|using|practised|practising|practiced|practicing|kept|keeping|logged|logging|read|filled|attempted|looked at|followed|drafted|written|recorded|started|finished|carried out|got round to)\b|"
    r"\b"
    + _DOER
    + r"(?: \w+){0,2}? (?:didn't|did not|didnt|hasn't|hasnt|hadn't|hadnt|couldn't|wasn't able to|was unable to|forgot to|failed to|managed to|did|completed|used|practised|kept|logged|tried|read|filled in|brought|arrived with|reported (?:completing|doing|that (?:she|he|they) had))\b(?! (?:in|during) (?:the )?session)|"
    r"^\W*(?:completed|did|done|managed|tried|used|kept|read|practised|logged|brought)\b(?: \w+){0,6} (?:as (?:agreed|planned|set|discussed)|last (?:week|time|session)|most days|every day|each day|\d+ ?/ ?\d+|\d+ (?:times|days|nights|of))|"
    r"\breports? (?:completing|doing|having|trying|using|practising|managing|reading)\b|"
    r"\b(?:found|finds|finding) (?:the |her |his |their )?\w+(?: \w+)? (?:useful|helpful|hard|difficult|easier|easy|tricky|unhelpful|ok|okay)\b|"
    r"\b(?:reflected|fed back|feedback) on (?:their|her|his|the) (?:home practice|practice|homework|week's practice|tasks?)\b|"
    r"\bas (?:agreed|planned|set) (?:last (?:week|time|session)|previously)\b|\b(?:failed|forgot) (?:her|his|their|the) (?:home ?work|h/?w|task)"
)
NOT_REVIEWED = re.compile(
    r"\b(?:meant|intended|forgot|forgotten|wanted) to (?:ask|review|check|look)\b|"
    r"\b(?:didn't|did not|didnt|no time to|not) get (?:to|round to) (?:\S+ ){0,3}(?:it|home ?work|task|tasks|review|diary|sheet)\b|"
    r"\bno (?:home ?work|h/?w|tasks?) (?:was )?reviewed\b|\bnot reviewed\b"
)
# Material gone through in the session ("went through the BA rationale"), unless it was last
# time's ("went over her homework", "looked at last week's diary").
IN_SESSION_WORK = re.compile(
    r"\b(?:went|gone|go|going|worked) (?:through|over)\b(?! (?:her|his|their|the client's|last|the home ?work|home ?work|how))|"
    r"\blooked at\b(?! (?:her|his|their|last|the home ?work|home ?work|how|what))"
)

# A decision about the course of care, not a task for the client: "agreed to discharge at
# next session", "agreed to pause therapy", "we agreed to continue exploring this next week".
CARE_DECISION = re.compile(
    r"\b(?:agreed|decided|planned|plan is|chose)\b(?: (?:to|that|we|on|with \w+))* (?:would |will )?"
    r"(?:discharge|close|end|pause|stop|re-?refer|self[- ]?refer|step (?:up|down)|transfer|"
    r"continue (?:to )?(?:explore|exploring|look(?:ing)? at|talk(?:ing)? about|work(?:ing)? on (?:this|it|these))|"
    r"explore|exploring|revisit|return to (?:this|it))\b"
)
