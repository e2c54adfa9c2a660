"""Sample questions of every type, as they would be written in a quiz file."""

SINGLE = {
    "id": "purpose",
    "type": "single_choice",
    "prompt": "What is the main purpose of a peer mentor?",
    "explanation": "Walking alongside, not leading.",
    "options": [
        {"text": "To walk alongside her", "correct": True, "feedback": "Yes."},
        {"text": "To decide for her", "feedback": "That takes her power away."},
        {"text": "To give legal advice", "feedback": "That is for solicitors."},
    ],
}
MULTIPLE = {
    "id": "signs",
    "type": "multiple_response",
    "prompt": "Which may be signs of over-identification?",
    "options": [
        {"id": "nights", "text": "Thinking about her late at night", "correct": True},
        {"id": "own-story", "text": "Feeling her story is your own", "correct": True},
        {"id": "rescue", "text": "Wanting to rescue her", "correct": True},
        {"id": "on-time", "text": "Ending on time", "feedback": "A healthy boundary."},
        {"id": "supervision", "text": "Taking it to supervision"},
    ],
}
TRUE_FALSE = {
    "id": "secrets",
    "type": "true_false",
    "prompt": "A peer mentor should promise to keep everything secret.",
    "answer": False,
    "feedback": {"true": "Promising secrecy could stop you acting.", "false": "Right."},
}
SHORT = {
    "id": "supervision-word",
    "type": "short_answer",
    "prompt": "What are regular reflective meetings called?",
    "accept": ["supervision", "clinical supervision"],
    "pattern": "(reflective )?supervision",
}
MATCHING = {
    "id": "services",
    "type": "matching",
    "prompt": "Match each need with a service.",
    "pairs": [
        {"left": "Somewhere safe tonight", "right": "A refuge"},
        {"left": "Advice about a court order", "right": "A legal adviser"},
        {"left": "Help with housing", "right": "The council"},
        {"left": "A room for tonight", "right": "A refuge"},
    ],
    "distractors": ["A gym"],
}
ORDERING = {
    "id": "disclosure-steps",
    "type": "ordering",
    "prompt": "Put these responses in order.",
    "items": ["Listen", "Believe her", "Explain next steps", "Record and report"],
}
SCENARIO = {
    "id": "late-texts",
    "type": "scenario",
    "prompt": "Read the scenario, then answer.",
    "explanation": "About boundaries.",
    "scenario": "Amira's mentee texts her late at night.",
    "questions": [
        {
            "id": "late-first-step",
            "type": "single_choice",
            "prompt": "What should Amira do first?",
            "points": 2,
            "options": [
                {"text": "Talk to her supervisor", "correct": True},
                {"text": "Reply at once"},
            ],
        },
        {
            "id": "late-boundary",
            "type": "true_false",
            "prompt": "Agreeing contact hours is a boundary.",
            "answer": True,
        },
    ],
}
ALL_TYPES = [SINGLE, MULTIPLE, TRUE_FALSE, SHORT, MATCHING, ORDERING, SCENARIO]

# Answers (in the quiz's own terms) to ALL_TYPES: every one right, and every one wrong.
ALL_RIGHT = {
    "purpose": "a",
    "signs": ["nights", "own-story", "rescue"],
    "secrets": False,
    "supervision-word": "Supervision",
    "services": {"1": "1", "2": "2", "3": "3", "4": "1"},
    "disclosure-steps": {"1": 1, "2": 2, "3": 3, "4": 4},
    "late-first-step": "a",
    "late-boundary": True,
}
ALL_WRONG = {
    "purpose": "b",
    "signs": ["on-time"],
    "secrets": True,
    "supervision-word": "friendship",
    "services": {"1": "4", "2": "4", "3": "4", "4": "4"},
    "disclosure-steps": {"1": 4, "2": 3, "3": 2, "4": 1},
    "late-first-step": "b",
    "late-boundary": False,
}


def form_for(definition, key, question_id: str, answers: dict):
    """The form a page would post for top-level `question_id`, giving `answers`."""
    from werkzeug.datastructures import MultiDict

    from lms.quizzes.answers import form_for_answers

    return MultiDict(form_for_answers(definition, key, question_id, answers))
