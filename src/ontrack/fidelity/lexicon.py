# ruff: noqa: E501  (one regular expression per line reads better than split strings)
"""The words and phrases the notes classifier looks for, grouped by what they signal.

Every pattern runs on a sentence lower-cased with its typos corrected
(``ontrack.fidelity.text.normalise``). The lexicons come from how CBT, guided self-help and
counselling notes are written in UK talking-therapy services (Beck's homework criteria;
the task families named in docs/reference/evidence.md: thought records, activity
schedules, behavioural experiments, diaries, worksheets), not from the synthetic notes used
to validate them: docs/fidelity.md explains how the two are kept apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?s?"
_NUM = r"(?:\d+|one|two|three|four|five|six|seven|ten|twenty|thirty)"
# A negating word; "n't" has no word boundary before it, and notes often drop the apostrophe.
NEG = (
    r"(?:\b(?:not|never|without|neither|nor|cannot|didnt|dont|doesnt|wasnt|werent|hasnt|havent|"
    r"hadnt|couldnt|wont|isnt|unable to)\b|n't\b)"
)


NEG_X = (
    r"(?:"
    + NEG
    + r"|\b(?:no time to|forgot to|forgotten to|didn't get to|did not get to|no chance to|"
    r"failed to|yet to|ran out of time to|(?:didn't|did not|didnt) (?:get|have|find) (?:the )?time to)\b)"
)


def _any(*alternatives: str) -> re.Pattern[str]:
    """One pattern matching any alternative; NEGW and NEGX stand for the negations above."""
    joined = "|".join(f"(?:{a})" for a in alternatives)
    return re.compile(joined.replace("NEGW", NEG).replace("NEGX", NEG_X))


# A between-session task: the names of homework and the usual CBT, self-help and
# behavioural tasks. Also used to tell when a sentence is about homework at all.
TASK = _any(
    r"\bhome ?-?work\b",
    r"\bh/?w\b",
    r"\bhmwk\b",
    r"\bassignments?\b",
    r"\btasks?\b",
    r"\bbetween[- ]sessions?\b",
    r"\bwork ?sheets?\b",
    r"\bthought (?:record|diary|log|challeng)",
    r"\babc (?:sheet|form|record|diary)",
    r"\b(?:mood|activity|worry|sleep|panic|food|anxiety|cbt|symptom|trigger|pain) ?(?:diary|diaries|log|record|tracker|sheet|chart)",
    r"\bactivity (?:schedul|plan|monitor|sheet)",
    r"\bbehaviou?ral (?:activation|experiment)",
    r"\b(?:ba|pmr|erp|gsh|cbt-?i)\b",
    r"\bexperiments?\b",
    r"\bexposures?\b",
    r"\b(?:fear|exposure|graded|avoidance) (?:hierarch|ladder|step)",
    r"\bhierarch",
    r"\bworry (?:time|period|tree|postpone)",
    r"\bsleep (?:hygiene|restriction|window|schedule)",
    r"\bdiar(?:y|ies)\b",
    r"\bjournal",
    r"\blog(?:book|s)?\b",
    r"\brelaxation\b",
    r"\b(?:breathing|grounding|relaxation|mindfulness|imagery) (?:exercise|technique|practice|script|recording)",
    r"\bprogressive muscle",
    r"\bmindful",
    r"\bmeditat",
    r"\bproblem[- ]solving\b",
    r"\b(?:chapter|module|section|step|unit)s? \d",
    r"\bworkbook\b",
    r"\bself[- ]help (?:book|guide|material|programme|program|pack|module)",
    r"\b(?:online|computeri[sz]ed|digital) (?:programme|program|module|course|cbt)",
    r"\bpleasant (?:event|activit)",
    r"\bpractis|\bpractic",
    r"\bexercises?\b",
    r"\bgratitude\b",
    r"\bcoping (?:card|statement)",
    r"\bflash ?cards?\b",
    r"\bcue cards?\b",
    r"\bself[- ]monitor",
    r"\bmonitoring (?:sheet|form|record)",
    r"\brole[- ]?play",
    r"\bsurvey\b",
    r"\bsafety behaviou?rs? (?:drop|experiment)",
    r"\bresponse prevention\b",
)

# Doing verbs: a concrete action the client is to take between sessions.
ACTION = _any(
    r"\b(?:walk|run|jog|swim|cycle|exercise|stretch)(?:s|ing)?\b",
    r"\b(?:go|going|get) (?:out|to|for|back|outside|into)\b",
    r"\b(?:call|ring|phone|text|message|email|meet|visit) (?:a |her |his |their |an? )?\w+",
    r"\bread(?:ing)? (?:the|a|chapter|pages?|module|section|about|through|up)",
    r"\b(?:complete|completing|fill(?:ing)? (?:in|out)|write|writing|record|recording|log|logging|list|listing|note|noting)\b",
    r"\b(?:practise|practice|practising|practicing|rehearse|use|using|try|trying) (?:the|a|her|his|their|out|using|\w+ing)\b",
    r"\b(?:listen|listening) to\b",
    r"\b(?:schedule|scheduling|plan|planning) (?:in |an? |one |two |three |\d|some |pleasant|activit)",
    r"\b(?:cook|clean|tidy|garden|shop|shower|bath|dress)(?:s|ing)?\b",
    r"\b(?:attend|join|sign up)\b",
    r"\b(?:resist|delay|postpone|drop|reduce|cut down|stop) (?:the |her |his |their |checking|reassurance|urge|safety)",
    r"\b(?:approach|enter|stay in|sit in|remain in|stand in|queue|wait in|drive|travel|catch|take the (?:bus|train|tube|lift|stairs))\b",
    r"\b(?:agreed|agrees|committed|commits|plans?|planning|aims?|going|is|are|keen|willing|happy|motivated|decided) to (?!be\b|see\b|meet\b|come\b|attend\b|return\b|think\b|reflect\b|keep going\b|carry on\b|consider\b|continue (?:with )?(?:sessions|therapy|treatment)\b)[a-z]{3,}",
    r"\b(?:set aside|spend) (?:\d|one|two|ten|fifteen|twenty|thirty|half|an?)\b",
    r"\b(?:get up|go to bed|wake) (?:at|by|before)\b",
    r"\b(?:test|testing) (?:out )?(?:the|her|his|their|whether|if|a)\b",
    r"\bwork(?:ing)? through\b",
    r"\b(?:rate|rating|track|tracking|monitor|monitoring|tick)\b",
)

# Tasks too vague to be a clear, specific behaviour.
VAGUE = _any(
    r"\b(?:think|thinking) (?:about|over|on)\b",
    r"\bhave a think\b",
    r"\breflect(?:ing)? (?:on|upon)\b",
    r"\b(?:keep|keeping) (?:going|it up|trying|on|at it)\b",
    r"\bcarry(?:ing)? on\b",
    r"\bcontinue (?:as before|as is|the good work|with what|to try|trying)\b",
    r"\b(?:try|trying) to (?:relax|be (?:more )?(?:positive|kind|active|calm)|take it easy|do more|look after|cope|stay|feel|worry less|not worry|think)",
    r"\blook(?:ing)? after (?:her|him|them)sel",
    r"\b(?:be|being) kind(?:er)? to\b",
    r"\btake care\b",
    r"\bstay positive\b",
    r"\bwork(?:ing)? on (?:things|it|her|him|them|what)",
    r"\bsee how (?:it goes|things go|she gets on|he gets on)",
    r"\bgeneral(?:ly)? (?:practice|practise|self-care)\b",
    r"\bwhat (?:she|he|they)(?: has| have|'s|'ve)? learn",
)

# Setting a task now: agreement, assignment, a deadline before the next session.
ASSIGN = _any(
    r"\bagree(?:d|s|ing)?\b",
    r"\b(?:set|assigned|given|gave|allocated|negotiated|planned|arranged|commit(?:ted|s)?)\b",
    r"\b(?:for|as) (?:home ?work|h/?w|her homework|his homework|their homework)",
    r"\b(?:home ?work|h/?w|task|tasks|between[- ]sessions?(?: task| work)?|plan|p|action)\s*[:=\-–]\s*"
    r"(?!(?:talked|talk|discussed|discuss|explained|spoke|mentioned|introduced|explored|reviewed|went|looked|"
    r"no|none|nil|n/a|not)\b)\S",
    r"\bto (?:complete|do|try|practise|practice|keep|fill|record|write|read|go|walk|use|continue|carry out|spend|schedule|plan|monitor|log|test|rate|listen|watch|work through|attempt|challenge|call|ring|phone|visit|start|begin|resist|delay|drop|set aside|approach|stay|sit|track|note|list|jot|collect|look|experiment|repeat|build)\b",
    r"\bwill (?:complete|do|try|practise|practice|keep|fill|record|write|read|go|walk|use|continue|carry out|spend|schedule|plan|monitor|log|test|rate|listen|work through|attempt|challenge|call|ring|visit|start|begin|resist|delay|drop|set aside|approach|aim|have a go)\b",
    r"\b(?:plans?|planning|intends?|aims?|going|happy|keen|willing|motivated|wants?) to (?:complete|do|try|practise|practice|keep|record|write|read|go|walk|use|continue|spend|schedule|monitor|log|test|listen|work through|start|begin|resist|approach|have a go)\b",
    r"\bbefore (?:the |our )?next (?:session|appointment|appt|time|call|week|meeting)",
    r"\b(?:before|until|till|by the time) (?:we|i) (?:next )?(?:meet|see|speak|talk)",
    r"\b(?:she|he|they|client|patient)(?:'ll| will| is going to| is to| are going to| to)\s+(?!be\b|have been\b|see (?:the )?gp)\w+",
    r"\b(?:for|by|until|till) (?:the |our )?next (?:session|appointment|appt|time|call|week|meeting)",
    r"\bover the (?:next|coming|following) (?:week|fortnight|few days|two weeks|\d+ (?:days|weeks))",
    r"\b(?:this|the coming|the next) (?:week|fortnight)\b",
    r"\bbetween (?:now and|sessions|appointments)\b",
    r"\bin the (?:meantime|interim)\b",
    r"\bgoing forward\b",
    r"\bhave a go\b",
)

# The therapist's plan to set something later (not homework set today).
FUTURE_SETTING = re.compile(
    r"\b(?:will|shall|'ll|plan(?:s|ning)? to|intend(?:s|ing)? to|aim(?:s|ing)? to|hope(?:s)? to|"
    r"going to|may|might|could|would like to|to be|want(?:s)? to|to)\s+(?:\w+\s+){0,2}?"
    r"(?:set|introduce|introduced|give|assign|start|begin|look at|consider|discuss|discussed|explore|"
    r"go through|think about|agree|agreed|decided|decide|confirmed|plan|explain|teach|model|revisit|return to|develop|work on|"
    r"move (?:on )?to|move onto|try|cover|set up|bring in|share)\b[^.]*?"
    r"\b(?:next (?:session|time|week|appointment|appt|sess|call|meeting)|following session|"
    r"future session|later (?:session|on|in treatment)|in due course|at some point|"
    r"once (?:she|he|they|mood|sleep|things)|when (?:she|he|they) (?:is|are|feels?) (?:ready|able|more)|"
    r"in (?:a|the) (?:later|future|coming) (?:session|weeks?))"
)
NEXT_SESSION_PLAN = re.compile(
    r"^(?:plan (?:for|at) )?next (?:session|time|appointment|appt|sess)\s*[:\-–]|"
    r"\bnext (?:session|time|appointment|appt|sess)\b[^.]*?\b(?:will|to|we|plan|aim|going to)\b[^.]*?"
    r"\b(?:introduce|set|start|begin|look at|consider|discuss|explore|go through|teach|cover|plan)\b|"
    r"\b(?:to be|will be|could be|may be) (?:introduced|set|started|considered|discussed|explored|given)\b|"
    r"\b(?:consider|considering|thinking about|might try|may try|could try) (?:setting|introducing|starting|giving)\b"
)

# No homework: negation of setting, or of a task existing.
NEGATED_SETTING = _any(
    r"\bno (?:formal |specific |new |further |particular |actual |written |structured )?(?:home ?work|h/?w|tasks?|assignments?|between[- ]session)",
    r"\b(?:home ?work|h/?w|tasks?|between[- ]session (?:task|work))s?\s*(?:set|agreed|given|today)?\s*[:=\-–]?\s*(?:none|nil|n/?a|no|x|not (?:set|agreed|given|applicable|appropriate|discussed)|deferred|postponed|on hold)\b",
    r"NEGW(?:\s+\w+){0,4}\s+(?:set|setting|agree|agreed|agreeing|assign|assigned|give|given|gave|discussed|allocate|planned|negotiate)",
    r"\b(?:set|agreed|assigned|given|planned)\b(?:\s+\w+){0,2}\s+(?:not|no)\b",
    r"\b(?:nothing|none)\b(?:\s+\w+){0,2}\s+(?:set|agreed|assigned|given|planned|specific)",
    r"\b(?:declined|refused|reluctant|unwilling|not keen|not ready|did not want|didn't want|does not want|doesn't want)\b",
    r"\b(?:not (?:appropriate|indicated|suitable|part of|used|relevant)|inappropriate)\b",
    r"\b(?:ran|run|running) out of time\b|\bno time (?:for|to)\b|\bout of time\b",
    r"\b(?:decided|chose|opted|agreed) (?:not|against)\b",
    r"\b(?:deferred|postponed|held off|on hold|paused|parked)\b",
    r"\bno (?:expectation|pressure|requirement)\b",
    # intentions and doubts about setting are not setting: "I had intended to set worry time",
    # "unsure whether to set homework in IPT", "not my role to set tasks in this modality"
    r"\b(?:had )?(?:intended|meant|wanted|hoped) to (?:set|give|agree)\b|\b(?:unsure|not sure|uncertain) (?:whether|if) (?:to set|i should set)\b",
    r"\bnot (?:my|our|the therapist's) role\b|\bnot a (?:homework|task)[- ]based\b|\bnothing to do\b",
    r"\b(?:didn'?t|did not|no) (?:have )?time to (?:go through|review|look at|set|agree)\b|\b(?:didn'?t|did not) (?:suggest|set|agree|give) (?:anything|any)\b",
    r"\bno (?:home |between[- ]session )?practi[cs]e (?:was )?(?:agreed|set|given)\b",
    r"\bhold(?:ing)? off\b|\bput (?:\w+ ){0,2}on hold\b|\bleave (?:the \w+|it|them|that) for now\b",
)
# Not a task set for the client, without saying that none was: a supervisee's or a team's
# action, a request for homework, generic advice to keep going, an offer for those who
# want it, a record-keeping line, means restriction (risk, not homework).
NOT_SETTING = _any(
    r"\bsupervisee\b|\bas a team\b|\bin supervision\b",
    r"\basked (?:if|whether|for) (?:there|some|any|a|homework|something|tasks?|exercises?)\b",
    r"\bencouraged (?:\w+ ){0,2}to keep (?:using|doing|going|up)\b|\bkeep (?:doing|using) (?:what|anything|whatever)\b|\bcontinues? to use\b",
    r"\bfor those who\b|\bwho (?:would like|wish|want) to\b|\bif (?:helpful|useful)\b",
    r"^\W*(?:added|saved|scanned|uploaded|filed) to (?:the )?(?:record|notes|file)\b",
    r"\b(?:give|hand|gave|handed|remove|lock)\b(?: \w+){0,2} (?:tablets|medication|pills|meds|knives)\b",
)

# Review of earlier homework (progress or non-completion summarised).
REVIEW = _any(
    r"\breview(?:ed|ing)?\b",
    r"\bwent (?:through|over)\b|\bgone (?:through|over)\b|\bgo (?:through|over)\b",
    r"\blooked (?:at|over|through)\b",
    r"\bchecked (?:in )?(?:on|how)\b",
    r"\bfeedback (?:on|from|about)\b",
    r"\b(?:last|previous|prior) (?:week|session|time|appointment)'?s?\b",
    r"\bfrom (?:last|the previous) (?:week|session|time|appointment)\b",
    r"\bsince (?:last|the last) (?:session|week|time|appointment)\b",
    r"\b(?:completed|managed|attempted|tried|did|done|brought|kept|filled|carried out|undertook|achieved|finished|had a go|followed through)\b",
    r"\b(?:not|n't|hadnt|wasnt|havent|didnt) (?:\w+ )?(?:done|complete|completed|manage|managed|attempt|attempted|do|get round|got round|found time)\b",
    r"\b(?:forgot|forgotten|struggled|partially|partly|half|some of|most of|all of|none of)\b",
    r"\b(?:went well|went ok|went badly|was helpful|was difficult|found it|found the|noticed)\b",
)
REVIEW_STRONG = _any(
    r"\b(?:completed|did|done|brought|used|tried|managed|read|drafted|kept)\b[^.;]{0,60}\bas (?:agreed|planned|set|arranged)\b",
    r"\b(?:home ?work|h/?w|task|tasks|assignment)s? (?:review|feedback|check)",
    r"\b(?:discussed|asked|talked about|explored|checked) (?:how|whether|if) (?:the |her |his |their |last week'?s? )?(?:home ?work|h/?w|tasks?|assignments?|exposure|experiment|diary|walks?|records?) (?:went|had gone|was done|got done|had been done)",
    r"\breview(?:ed|ing)? (?:of )?(?:the |her |his |their |last week'?s? |previous |last session'?s? )?(?:home ?work|h/?w|tasks?|assignments?|diary|diaries|records?|thought records?|trs?|activity|experiment|worksheet|log|schedule|exposure|practice|reading|ba|be)",
    r"\b(?:last|previous|prior) (?:week|session|time)'?s? (?:home ?work|h/?w|tasks?|assignments?)",
)
IN_SESSION = re.compile(
    r"\b(?:in (?:the )?session|during (?:the )?session|together|in sess|jointly|with (?:me|therapist|the therapist)|modelled|demonstrated|introduced)\b"
)
NEGATED_REVIEW = _any(
    r"NEGX(?:\s+\w+){0,2}\s+(?:review|reviewed|go through|discuss|discussed|check|checked|look at|looked at)\b",
    r"\bno (?:previous |prior |outstanding |earlier )?(?:home ?work|h/?w|tasks?|assignments?) (?:to review|from last|was set|had been set|set last|previously)",
    r"\bnothing to review\b",
    r"\b(?:first|initial) (?:treatment )?session\b",
    r"\bno (?:review|feedback) of\b",
    r"\breview(?:ed)?\s*[:=\-–]\s*(?:none|nil|n/?a|no|not done)\b",
)

# Risk to self or others: any assessment counts, whatever its result ("denies SI").
RISK = _any(
    r"\brisks?\b",
    r"\bsuicid",
    r"\bself[- ]?harm",
    r"\b(?:si|sh|dsh|sih)\b",
    r"\bideation\b",
    r"\b(?:end|ending|take|taking|took) (?:my|her|his|their) (?:own )?life\b",
    r"\bkill(?:ing)? (?:her|him|them|my)sel",
    r"\bbetter off dead\b",
    r"\b(?:not )?(?:want(?:ing|s)?|wish(?:ing|es)?) to (?:be here|die|be dead|not wake|not be here)\b",
    r"\bsafety (?:plan|planning|netting|net)\b",
    r"\bcrisis (?:line|number|team|plan|contact|service)",
    r"\bsamaritans\b|\bshout\b|\b111\b|\b999\b",
    r"\bprotective factors?\b",
    r"\b(?:intent|intention|plans?) (?:to|of|or) (?:act|harm|end)",
    r"\b(?:item|q|question) ?9\b",
    r"\bthoughts? of (?:death|dying|harm|hurting|self)",
    r"\bsafeguarding\b",
    r"\boverdose\b",
    r"\bharm to (?:self|others)\b",
    r"\bhopeless(?:ness)?\b",
    r"\bending (?:it|things|it all)\b|\bno point (?:going on|living|in living)\b",
    r"\bsafety at home\b|\b(?:domestic )?violence\b|\bharm (?:to|from) (?:others|self|anyone|him|her)\b",
    r"\bpassive (?:thoughts|death|wish|ideation)",
)
NOT_RISK = re.compile(
    r"\brisk (?:of|for) (?:relapse|drop|disengag|non-?attendance|dna|falling|weight)|"
    r"\b(?:relapse|dropout|drop-out|dna|financial|health|physical|cardiac) risks?\b|\blow[- ]risk (?:of|for) relapse\b|"
    r"\brisk[- ]taking\b|\bat risk of (?:losing|relapse|dropping)"
)
NEGATED_RISK = _any(
    r"NEGX(?:\s+\w+){0,2}\s+(?:assess|assessed|discuss|discussed|review|reviewed|explore|explored|ask|asked|cover|covered|screen|screened|check|checked)\b",
    r"\brisks? (?:was|were|is|has been|have been)?\s*(?:not|n't) (?:formally )?(?:assessed|discussed|asked|reviewed|covered|explored|done|screened|checked|raised)\b",
    r"\brisk\s*[:=\-–]\s*(?:not (?:assessed|discussed|asked|done|reviewed|covered)|n/?a|nil assessed|-)\s*$",
    r"\bno risk assessment\b",
)

GOALS = _any(
    r"\bgoals?\b",
    r"\bgbo\b",
    r"\bsmart (?:goal|target)",
    r"\b(?:targets?|aims?|hopes?) (?:for|of|from) (?:therapy|treatment|the sessions|sessions|our work|cbt|counselling|the work)",
    r"\bwhat (?:she|he|they|client|pt|the client) (?:would like|wants?|hopes?) (?:to|from|out of)\b",
    r"\bworking towards\b",
    r"\b(?:her|his|their|client's|the client's) (?:aims|hopes) (?:for|from|of|in)?\b|\bwhat (?:she|he|they) (?:hopes?|wants?) (?:for|from) (?:therapy|treatment|counselling|our sessions|the sessions)\b",
    r"\bproblem (?:statement|list) and (?:goal|target)",
    r"\btherapy (?:aims|targets)\b",
)
NEGATED_GOALS = _any(
    r"NEGX(?:\s+\w+){0,2}\s+(?:set|agree|agreed|discuss|discussed|review|reviewed|rate|rated|revisit|revisited|get to|cover|covered|address|addressed)\b",
    r"\bgoals?\s*(?:set|agreed|discussed|rated)?\s*[:=\-–]\s*(?:none|nil|n/?a|no|not (?:set|yet|discussed|agreed|done))\b",
    r"\bno goals?\b",
    r"\bgoals? (?:was|were|is|are|has|have)?\s*(?:not\b|n't\b)(?! (?:yet )?(?:achieved|reached|met|progressed|changed|improved|moved))",
)

RATIONALE = _any(
    r"\brationale\b",
    r"\breasons? (?:for|behind|why)\b",
    r"\bthe (?:aim|idea|point|purpose|goal|hope|thinking) (?:is|was|being|of this|here|behind)",
    r"\baim(?:ed|ing|s)? (?:is |was )?to\b",
    r"\bso (?:that|as to)\b",
    # purpose, not consequence: "so she can", "so the bed becomes linked with sleep"; not
    # "so she'll set an alarm"
    r"\bso (?:she|he|they|we|it|pt|client|(?:the|her|his|their|this) \w+)(?:'s| is)? (?:can|could|is able|are able|gets? (?:used|better)|learns?|becomes?|feels?|comes?|goes|stays?|sticks?|starts?|stops?|not|less|more|easier|doesn't|does not|won't|isn't|will (?:learn|be able|see|notice|get|feel|find|start|stop|become|know|be less|be more))\b",
    r"\b(?:builds?|build up|increases?|strengthens?) (?:\w+ ){0,2}(?:pressure|drive|confidence|habit|momentum|tolerance|resilience)\b|\bthe importance of\b|\bwhy (?:it|this|that) (?:matters|is important|helps)\b",
    r"\bin order to\b",
    r"\bto break (?:the |this |that |her |his |their )?(?:\w+ )?(?:cycle|habit|link|pattern|avoidance|association)\b",
    r"\bto (?:help|test|see (?:if|whether|how|what)|check (?:if|whether|out)|find out|gather|collect evidence|build(?! on)|reduce|increase|improve|challenge|learn|discover|understand|boost|lift|regain|get back|weaken|disconfirm|examine|re-?establish|establish|show|demonstrate|counter|tackle|interrupt|target|lower|ease|strengthen|widen|approach|overcome|habituate|compare|evaluate)\b",
    r"\bbecause\b|\bsince (?:she|he|they|this|it|avoidance|low)",
    r"\b(?:as|which|that) (?:this |it )?(?:should|will|may|might|can|could|would) (?:help|improve|reduce|lift|increase|show|test|give|allow|break|build)",
    r"\b(?:should|will|may|might|could|can|would) help\b",
    r"\bhelps? (?:her|him|them|to|with|reduce|build|break|lift)\b",
    r"\b(?:linked|link|linking|connected|connecting) (?:this|it|the task|the exercise) (?:to|with|back)",
    r"\bexplained (?:why|how|the (?:rationale|reason|purpose|model|link|cycle|idea))",
    r"\b(?:understood|understands|agreed with) (?:why|the (?:reason|rationale|purpose|point))",
    r"\b(?:vicious|maintaining|avoidance|worry|panic|inactivity) (?:cycle|circle)",
    r"\b(?:test|testing|check|checking) (?:out )?(?:the |her |his |their |a )?(?:belief|prediction|thought|fear|assumption|worry)",
    # what the task will teach or show ("teaches him that he can cope", "to find out whether")
    r"\b(?:teach(?:es)?|show(?:s)?|prove(?:s)?) (?:her|him|them|the client|pt) (?:that|how|the|she|he|they|it)\b",
    r"\b(?:learns?|learning|discovers?|realises?|realizes?) (?:that|whether|if)\b",
    r"\bthe idea being\b|\bthe thinking (?:is|being)\b|\bwhich (?:should|will|would) (?:mean|let|allow)\b",
    r"\bhabituat",
    r"\b(?:mood|motivation) follows (?:action|activity)|\baction (?:before|precedes|comes before) motivation",
    r"\blink between\b",
    r"\bthe (?:cbt|five areas|5 areas|hot cross bun|ba|worry|panic) model\b",
    r"\b(?:why|aim|aims|purpose|reason)\s*[:=\-–]\s*\S",
    r"\b(?:purpose|reason|point|idea) (?:was |were )?(?:explained|discussed|agreed|clarified|outlined|given)",
    r"\bgather(?:ing)? (?:some )?(?:evidence|information|data)\b",
)
OBSTACLES = _any(
    r"\bobstacles?\b|\bbarriers?\b|\bblocks?\b|\bhurdles?\b|\bpitfalls?\b",
    r"\bdifficult(?:y|ies)\b|\bhard(?:er)? (?:to|if|when)\b|\bchalleng(?:e|es|ing) (?:of|if|when|would|might)",
    r"\b(?:get|gets|getting|got) in the way\b",
    r"\b(?:stop|stops|prevent|prevents) (?:her|him|them|it|this) (?:from|doing)",
    r"\b(?:might|may|could|would) (?:struggle|forget|find it|not feel|not have|be hard|be difficult|get in|stop|prevent|avoid|be tempted|put off)",
    r"\bif (?:she|he|they|it|this|that|the|her|his|their|client|pt|anxiety|mood|motivation|energy|things|time|work|the weather|weather|[a-z]+ (?:is|are|feels?|gets?|finds?|forgets?|misses?|can't|cannot|doesn't|does not|struggles?|feels?)).{0,60}?\b(?:then|she|he|they|will|can|could|to|instead|try|use|do)\b",
    r"\bin case\b|\bback-?up (?:plan|option|day|time)|\bplan b\b|\bcontingenc|\bfall-?back\b|\bif not\b|\botherwise\b",
    r"\btrouble-?shoot|\btrouble-?shot|\bproblem[- ]solved\b|\bthought through what\b",
    r"\banticipat|\bforeseen|\bforesee|\bpredicted (?:difficult|problem|barrier|obstacle)",
    r"\bwhat (?:could|might|would) (?:go wrong|get in|stop|make it)",
    r"\breminders?\b|\balarms?\b|\bpost-?its?\b|\bsticky notes?\b|\bprompts? on (?:her|his|their) phone",
    r"\bcoping (?:plan|strateg|statement|card|skill)",
    r"\bwhat to do if\b|\bif (?:it|this|the task|things) (?:gets?|feels?|becomes?|is) (?:too|overwhelming|hard|difficult)",
    r"\b(?:reaction|response) (?:to|was)\b",
    r"\b(?:felt|feels|feel|thought|thinks|said|says|reported|reports|agreed|agrees|stated|found|finds) (?:that )?(?:it|this|the (?:task|plan|idea|exercise|homework)) (?:was|is|would be|will be|felt|feels|seemed|seems|sounded|sounds)",
    r"\b(?:seemed|seems|was|is|looked|appeared|appears|felt|feels|sounded|remains|remained) (?:quite |very |a bit |a little |fairly |somewhat |more |less |really )?(?:keen|willing|hesitant|reluctant|unsure|motivated|positive|worried|anxious|apprehensive|sceptical|skeptical|enthusiastic|happy|comfortable|confident|nervous|doubtful|ambivalent|optimistic|hopeful|uncertain|daunted|up for it|on board|committed)\b",
    r"\bexpressed (?:some |a |her |his |their )?(?:doubt|concern|worr|reservation|interest|enthusiasm|anxiety|fear|hesitation)",
    r"\b(?:manageable|doable|achievable|realistic|feasible|too much|overwhelming|daunting|a stretch)\b",
    r"\bconfiden(?:ce|t)\b.{0,30}\d|\d+\s*/\s*10\s*(?:confident|confidence|likely|sure)|\bhow (?:likely|confident|sure)\b",
    r"\bconcerns? (?:about|that|re|were|was|raised)|\bworried (?:about|that) (?:doing|completing|it|this|the|she|he|they)",
    r"\b(?:scaled|broke|break|broken|scale) (?:it |this |the task )?(?:back|down)\b|\bsmaller steps\b|\bstart(?:ing)? small\b|\bbaby steps\b",
    r"\bwhen things get (?:tough|hard|difficult)\b|\bif overwhelmed\b",
)
MONITORING = _any(
    r"\bmonitor",
    r"\brecord(?:s|ing|ed)? (?:how|her|his|their|it|the|any|mood|anxiety|thoughts|what|when|each|every|times|sleep|urges|activit|results?|outcomes?|levels?|ratings?|in|on|daily|this)",
    r"\bkeep(?:ing|s)? (?:a |an |track|notes?|logs?|records?|diar|tally|count)",
    r"\b(?:log|logging|logged) (?:it|them|each|her|his|their|the|mood|anxiety|activit|sleep|urges|times|how|what|when|in|on|daily)",
    r"\btrack(?:ing|s|ed)?\b|\btally\b|\bcount(?:ing)? (?:how|the|each)",
    r"\btick(?:ing|s)? (?:(?:it|them|this) )?(?:off|each|a box|the box|when)",
    r"\bchart\b|\bdiar(?:y|ies)\b|\bjournal|\blog(?:book|s)?\b|\bspreadsheet\b",
    r"\b(?:note|noting|jot|jotting|write|writing) (?:down|up) (?:how|what|when|the|her|his|their|any|it|each|thoughts|results)",
    r"\b(?:rate|rates|rating|ratings|rated|score|scoring|scores) (?:her |his |their |the |each |it |how |for )?(?:anxiety|mood|distress|mastery|pleasure|achievement|enjoyment|suds|belief|urge|fear|sleep|energy|worry|intensity|level|confidence|out of|on a|from|before|after|0|1)",
    r"\bmastery\b|\bm ?& ?p\b|\bsuds\b|\bsud\b",
    r"\b(?:0|1)\s*(?:-|to)\s*(?:10|100)\b|\bout of (?:10|100|ten)\b|\b\d+\s*%|\bpercentages?\b",
    r"\bbefore and after\b|\bpre and post\b|\bpre/post\b",
    r"\bthought (?:record|diary|log)|\btrs?\b|\babc (?:sheet|form|record)",
    r"\b(?:mood|activity|worry|sleep|panic|food|anxiety|symptom|trigger) (?:diary|diaries|log|record|tracker|sheet|chart)",
    r"\bactivity (?:schedule|monitoring|sheet)",
    r"\bbring (?:it|them|this|the|her|his|their|back|along)\b|\breport(?:ing)? back\b|\bfeed(?:ing)? back (?:next|at|in)\b",
    r"\b(?:app|tracker|pedometer|step count|fitbit|smartwatch)\b",
    r"\b(?:note|notes|noting|jot|jots|jotting|write|writes|writing|mark|marks|marking)(?: them| it| these)? (?:down|up|in|on|any|examples|how|what|when|each|suds|mood|anxiety|the (?:feeling|outcome|result|time|date))\b",
    r"\b(?:record|monitoring|tracking|log|rating|experiment|erp|exposure|activity) (?:sheet|form|chart|template|record)s?\b|\buse the (?:\w+ )?sheet\b",
    r"\bpredict(?:ion|ions|s)? (?:\w+ ){0,6}(?:vs|versus|against|and) (?:what|the outcome|outcomes?)\b|\bpredictions? and outcomes?\b",
)
WRITTEN = _any(
    r"\bwritten\b(?! (?:consent|communication|complaint))",
    r"\bwr(?:ote|ite|iting|itten) (?:(?:down|up|out) )?(?:it|this|the (?:plan|task|homework|steps|goal|instructions|details)|a plan|on (?:a|the|her|his|their))\b",
    r"\b(?:plan|task|homework|steps|instructions|details) (?:was |were )?(?:written|wrote)",
    r"\bin writing\b|\bon paper\b|\bpaper copy\b|\bhard copy\b",
    r"\b(?:work|homework|task|hand|info|information|instruction) ?-?sheets?\b|\bsheets?\b",
    r"\bon (?:the |a |her |his |their |same )?(?:same )?(?:\w+ )?(?:form|card|calendar|paper|post-?it)\b|\b(?:spare )?ones given\b|\bgiven with (?:instructions|a copy|the)\b",
    r"\btyp(?:e|ed|ing) (?:it |this |them |the \w+ )?up\b|\bphotograph|\b(?:-|by|in the) post\b|\bto (?:her|his|their) (?:e-?mail|inbox)\b",
    r"\bin (?:the |her |his |their )?(?:\w+ )?(?:workbook|booklet|handbook)\b",
    r"\b(?:given|gave|sent|posted|emailed|handed) (?:her |him |them )?(?:the |a |an )?(?:\w+ ){0,2}(?:leaflet|booklet|workbook|pack|guide)",
    r"\b(?:sheets?|forms?|templates?|paper|copy) (?:was |were )?(?:given|sent|emailed|e-mailed|handed|provided|posted|printed|texted|shared)\b",
    r"\b(?:sheets?|forms?|templates?|copy|copies) (?:(?:that |which )?(?:i|we) (?:gave|sent|emailed|printed|posted|handed)|to (?:fill|complete))\b",
    r"\b(?:record|recording|monitoring) sheets?\b|\bcop(?:y|ies) of (?:the |her |his |their |a )?[^.;]{0,40}?(?:given|sent|emailed|handed|posted)\b",
    r"\b(?:booklet|workbook|handbook|manual) (?:p|pg|page|pages)\.? ?\d",
    r"\b(?:give|gives|gave|given|giving|hand|handed|send|sent|post|posted|email|emailed) (?:her |him |them |pt |the client )?(?:a |the |an |some )?(?:\w+ ){0,2}(?:sheets?|paper|worksheets?)\b",
    # the task is itself written material: a booklet, workbook, chapter, handout or module
    r"\b(?:read|reading|re-?read|complete|completing|finish|work through|working through|do|go through|look at)\b[^.;]{0,40}?\b(?:booklet|workbook|handbook|handout|chapter|ch\.? ?\d|module|section \d|pages? \d|pg \d)",
    r"\bmodules? \d|\b(?:online|cCBT|silvercloud|space from) (?:programme|program|course|module)|\bcontinue (?:with )?(?:the )?(?:programme|program|modules?)\b",
    # sent by email, text or post
    r"\b(?:by|via|over) (?:e-?mail|text|txt|post|message)\b|\b(?:emailed|e-mailed|re-?sent|texted)\b",
    r"\b(?:cue|flash|coping|prompt|index|reminder) ?cards?\b|\bon (?:a|the) (?:card|post-?it)\b|\bjotted\b|\bcards? (?:written|made)\b|\bpost-?its?\b",
    r"\bhand-?outs?\b|\bprint(?:ed|out|-out)\b|\bprinted\b",
    r"\b(?:copy|copies) (?:given|provided|emailed|sent|posted|handed|of (?:the|her|his|their) (?:plan|task|homework|sheet|worksheet|record))",
    r"\bgiven (?:a |her |him |them )?(?:copy|copies)\b",
    r"\b(?:emailed|e-mailed|sent|posted|uploaded|shared|texted|handed)\b(?:\s+\w+){0,3}\s+(?:sheet|worksheet|form|template|copy|plan|record|diary|task|homework|handout|it|them|over|via|link|instructions|summary)",
    r"\b(?:forms?|templates?|cards?|booklets?|workbooks?|pamphlet) (?:given|provided|emailed|sent|handed)",
    r"\bgiven (?:a |the |her |him |them )?(?:\w+ )?(?:form|template|card|booklet|workbook|pack|diary|record|blank)",
    r"\bgave (?:her |him |them |pt |the client )?(?:a |the |an )?(?:copy|(?:\w+ )?(?:form|template|card|booklet|workbook|worksheet|pack|blank))\b",
    r"\bvia (?:the )?(?:portal|app|email|e-mail|post)\b",
    r"\b(?:on|in|into|via|using|through) (?:the |her |his |their )?(?:\w+ )?app\b",
    r"\b(?:typed|took (?:the |a |it |them |some |a few )?(?:\w+ ){0,2}(?:home|away|copies|copy|sheets?))\b",
    r"\bsecure email\b|\bshared on (?:the )?screen\b",
    r"\bnoted (?:it |this |the task |them )?(?:in|on|down)\b",
    r"\bwritten (?:plan|summary|instructions|copy)",
    # kept where she will see it: a workbook page, her calendar or planner (a diary or phone
    # notes kept to record outcomes are monitoring, not a written plan)
    r"\b(?:recorded|written|wrote|write|writing|noted|put|putting|added|entered|saved|stuck|stick|sticking) (?:it |this |them |these |the (?:plan|task|steps|times?|activities) )?(?:in|on|into) (?:the |her |his |their |a )?(?:\w+ )?(?:workbook|booklet|calendar|planner|fridge)\b",
    r"\bphoto(?:graph)?(?:ed)? (?:of )?(?:the )?(?:\w+ )?(?:plan|sheet|whiteboard|task|steps)\b",
)
NEGATED_CRITERION = re.compile(
    r"\b(?:no|not|n't|none|nil|n/a|without|never|neither|nor|forgot|didn't get to|did not get to|ran out of time)\b"
)

# Safety plans and leaflets are not homework on their own.
SAFETY_PLAN = re.compile(
    r"\bsafety (?:plan|planning|net)|\bcrisis (?:plan|card|number)|\bstaying safe\b"
)
LEAFLET = re.compile(
    r"\b(?:leaflets?|pamphlets?|information sheet|info sheet|signpost\w*|website|web ?link|link to)\b"
)
LEAFLET_TASK = re.compile(
    r"\b(?:read|reading|go through|look through|work through|complete|fill|try|practise|practice|use)\b"
)

# When and how often: what makes a task specific.
WHEN = _any(
    # a defined piece of reading with a deadline: "read ch.3 before nxt call"
    r"\b(?:ch(?:apter)?\.? ?\d+|pages? \d+|pg \d+|module \d+|section \d+)\b[^.;]*\bbefore (?:the |our )?next\b",
    r"\bdaily\b|\bnightly\b|\bweekly\b|\bfortnightly\b|\bhourly\b|\beveryday\b|\bev(?:ery?|ry|y)? (?:day|morning|evening|night)",
    r"\b(?:every|each|per|a|on) (?:day|morning|afternoon|evening|night|other day|time|week|wk|weekday|weekend|lunchtime|hour)s?\b",
    r"\bonce\b|\btwice\b|\bthrice\b|\b(?:three|four|five|six|" + _NUM + r") times\b",
    r"\bx ?\d\b|\b\d ?x\b|\b\d+ ?/ ?(?:day|week|wk|7)\b",
    r"\b"
    + _NUM
    + r" (?:times|days|mornings|evenings|nights|walks|entries|records|activities|occasions|sessions|runs|trips|calls|visits|experiments|exposures|thought records|trs|practices|sheets|pages|chapters|modules|minutes|mins|min|hours|hrs|hr|steps)\b",
    r"\b" + _DAY + r"\b",
    r"\bat \d|\b\d{1,2}(?:[:.]\d{2})? ?(?:am|pm)\b|\b\d{1,2}[:.]\d{2}\b",
    r"\b(?:in the|each|every|most) (?:morning|afternoon|evening|night)s?\b|\bmornings\b|\bevenings\b",
    r"\b(?:before|after|b4|aft) (?:bed|bedtime|work|breakfast|lunch|dinner|tea|school|the school run|the gym|waking|getting up|she goes|he goes|they go|going to)",
    r"\bon waking\b|\bat (?:bedtime|lunchtime|night|weekends?|the weekend|teatime)\b|\bweekends?\b",
    r"\bwhen(?:ever)? (?:she|he|they|client|anxiety|anxious|the urge|worried|worrying|mood|feeling|upset|low|distressed|triggered|a worry|an? (?:intrusive|negative|upsetting|anxious)|panic|noticing)",
    r"\b(?:each|every) time\b|\bwhenever\b|\bon alternate days\b|\bevery other day\b",
    r"\bwhen(?:ever)? (?:the |an? |any )?(?:urges?|worr(?:y|ies)|thoughts?|it|triggered|she notices|he notices|they notice) (?:\w+ )?(?:arise|arises|comes?|come up|happens?|starts?|notices?|occurs?|hits?)\b",
    r"\b(?:\d+|one|two|three|four|five|six|seven) (?:\w+ ){0,2}(?:this|per|a|each|next) (?:week|day|evening|morning)\b|\bfor (?:one|a|two|three|\d+) weeks?\b",
    r"\b\d+x\b|\bx\d+\b|\b(?:step|stage|level) \d\b|\b\d+ (?:stops|laps|floors|streets|pages)\b|\bno more than\b|\bat most\b|\bup to \d",
    r"\bfor (?:\d+|ten|fifteen|twenty|thirty|five|an?|half an?) (?:min|minutes|mins|hour|hours)\b|\b\d+ ?(?:min|mins|minutes)\b",
    r"\b(?:od|bd|tds)\b",
    r"\bat least (?:once|twice|\d+|one|two|three|four|five)\b",
    r"\b(?:morning and evening|am and pm|twice a day|three times a week)\b",
    r"\bscheduled (?:for|on|at)\b|\bby (?:" + _DAY + r"|next (?:week|session))\b",
)

# Template fields ("Rationale: Y", "Sheet given - no").
FIELD = re.compile(
    r"^\s*(?P<label>[a-z][a-z /'?&()-]{1,40}?)\s*[:=\-–?]\s*(?P<value>.*?)\s*[.;]?\s*$"
)
# "Between-session tasks: ...": a label up to a colon may itself hold a hyphen.
FIELD_COLON = re.compile(
    r"^\s*(?P<label>[a-z][a-z /'?&()-]{1,40}?)\s*:\s*(?P<value>.*?)\s*[.;]?\s*$"
)
# A field that points elsewhere states nothing itself.
SEE_ELSEWHERE = re.compile(r"^(?:see|as) (?:above|below|plan|notes?|session content|content)$")
YES = re.compile(
    r"^(?:y|yes|yep|done|given|\u2713|\u2714|ok|discussed|agreed|completed|set|true|x)$"
)
NO = re.compile(
    r"^(?:n|no|none|nil|n/?a|not (?:done|discussed|given|set|agreed|applicable|assessed|recorded)|-|\u2717|\u2718|false|not today)$"
)


# Structure of notes: clauses, past and future references, template labels.
# Template field labels → the criterion they record (review before homework: "HW review").
FIELD_LABELS = (
    (
        "previous_homework_reviewed",
        re.compile(r"review|previous|last (?:week|session)|feedback|progress (?:on|with)"),
    ),
    ("rationale", re.compile(r"rationale|reason|why|purpose")),
    (
        "obstacles_and_coping",
        re.compile(
            r"obstacle|barrier|troubleshoot|reaction|coping|difficult|concern|client'?s? view"
        ),
    ),
    ("monitoring", re.compile(r"monitor|how (?:measured|tracked|recorded)|tracking|recording")),
    ("written", re.compile(r"written|sheet|handout|copy|in writing")),
    ("risk_discussed", re.compile(r"\brisk|\bsi\b|suicid|self[- ]harm|safety")),
    ("goals_discussed", re.compile(r"\bgoals?\b|\bgbo\b|\btargets?\b")),
    ("specific", re.compile(r"when|how often|frequency|specific")),
    ("homework_set", re.compile(r"home ?work|\bh/?w\b|\btasks?\b|between[- ]sessions?|assignment")),
)

CLAUSE = re.compile(
    r",?\s+but\s+|;\s*|,\s*however,?\s+|\s+although\s+|\s+whereas\s+|\s+though\s+|\s+except\s+"
)

PAST_REFERENCE = re.compile(
    r"\b(?:set|given|agreed|assigned)\b(?:\s+\w+){0,3}\s+(?:last|previous|previously|at the last|in the last|before)\b|"
    r"\b(?:last|previous|prior) (?:week|session|time|appointment)'?s?\b|\bfrom last\b|"
    r"\b(?:completed|did|done|brought|used|tried|managed|read|drafted|kept)\b[^.;]{0,60}\bas (?:agreed|planned|set|arranged)\b"
)

APPOINTMENT = re.compile(
    r"\b(?:meet|see|speak|talk|call|ring|phone)(?:s|ing)? (?:again|next|in \d|on \w+day)|"
    r"\bnext (?:appointment|appt|session) (?:booked|arranged|on|in|is)\b|\bbooked\b|\bfollow[- ]?up\b|"
    r"\bdischarg|\brefer(?:red|ral)?\b|\bwill (?:call|ring|phone|contact|write to|email|send) "
    r"(?:her|him|them|the client|client|gp)\b|\brebook|\bcontinue (?:with )?(?:sessions|therapy|treatment)"
)

HOMEWORK_FRAME = re.compile(
    r"\bhome ?-?work\b|\bh/?w\b|\btasks?\b|\bbetween[- ]sessions?\b|\bassignments?\b|\bagreed\b|"
    r"\b(?:set|assigned|plan)\s*[:\-–]"
)

ABBREVIATED_TASK = re.compile(r"\b(?:BEs?|TRs?|HW|BA)\b")

PAST_TRIAL = re.compile(
    r"\bin the past\b|\bpreviously (?:tried|used|found)\b|\byears ago\b|\bbefore (?:therapy|referral)\b|\bhas tried\b.*\bbefore\b"
)

FUTURE_REVIEW = re.compile(
    r"\b(?:will|shall|'ll|plan(?:s|ning)? to|aim to|to be|going to) (?:\w+ )?review|"
    r"\breview\b[^.]*\bnext (?:session|time|week|appointment|appt)\b"
)

FUTURE_TOPIC = re.compile(
    r"\b(?:will|shall|'ll|plan(?:s|ning)? to|aim to|to be|going to|need to|needs to) (?:\w+ ){0,2}"
    r"(?:assess|assessed|discuss|discussed|review|reviewed|explore|explored|set|agree|agreed|revisit|"
    r"revisited|return to|look at|looked at|ask about|cover|covered|identify|identified)\b[^.]*"
    r"\bnext (?:session|time|week|appointment|appt)\b"
)

CRITERION_NEGATED = re.compile(
    NEG_X
    + r"(?:\s+\w+){0,3}\s+(?:discuss|explor|consider|cover|address|troubleshoot|given|provid|explain|"
    r"written|write|wrote|record|monitor|agree|identif|elicit|ask|rationale|reason|obstacle|barrier|"
    r"sheet|handout|copy|plan for|way of|method)|\bnothing (?:was )?(?:written|given|handed|sent|recorded)\b|\bno (?:rationale|reason|obstacles? discussed|"
    r"barriers? discussed|troubleshooting|monitoring|written|sheet|handout|copy|way of|method|plan for)\b|"
    r"(?:rationale|reason|obstacles?|barriers?|monitoring|written|sheet|copy|handout)\s*"
    r"(?:given|discussed|provided|agreed)?\s*[:=\-–]\s*(?:none|nil|n/?a|no|not)\b|"
    # an auditor's or trainee's verdict: "Rationale missing", "I could have explained more clearly why"
    r"\b(?:rationale|reason|obstacles?|barriers?|monitoring|written (?:plan|copy)|sheet|copy) (?:was |is )?(?:missing|absent|lacking|omitted|unclear)\b|"
    r"\b(?:i|we|therapist) (?:think i |think we )?(?:could|should|would|might|may) have (?:\w+ )?(?:explained|given|written|discussed|asked|checked|sent|set)\b"
)

CONSIDERED = re.compile(
    r"\bno (?:obstacles?|barriers?|problems?|difficult\w*) (?:were )?(?:identified|anticipated|foreseen|expected|envisaged|predicted|found)"
)

FOR_LATER = re.compile(
    r"\b(?:agreed|to continue|will continue|to keep|to practise|to practice|to try|at home|before (?:the |our )?next|"
    r"for next|until next|by next|this week|over the (?:next|coming)|between sessions|daily|each day|every day|"
    r"going forward|in the (?:meantime|interim)|new|next)\b"
)

RISK_LABEL = re.compile(
    r"^(?:risks?|risk (?:assessment|review|screen|to self|to others|issues)|si/?sh|self[- ]harm|safety)$"
)

GOALS_LABEL = re.compile(
    r"^(?:goals?|gbo|goal (?:ratings?|progress|review)|progress (?:on|towards) goals)$"
)

RUN_ON = re.compile(r"\s+and\s+(?:then\s+)?")


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Every word of six letters or more in the patterns above: the words a typo of which
    the classifier should still recognise ("negotitaed", "previosly")."""
    words: set[str] = set()
    for value in list(globals().values()):
        if isinstance(value, re.Pattern):
            words.update(re.findall(r"(?<![\\?])\b[a-z]{6,}\b", value.pattern))
    return frozenset(words)
