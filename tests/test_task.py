"""Reading the task (models_registry.recommend.task): what the words of `task` ask for, and how explicit
arguments win over them. README "How recommend_model ranks", step 1, is the spec: words match on word
boundaries, a negation drops a hint, sizes become a minimum context, some words pick the kind of model,
the category (its quality column), hard needs, preferences or `optimize`, and every hint is reported
with its effect.
"""

from __future__ import annotations

import pytest

from models_registry.recommend import RecommendRequest
from models_registry.recommend.task import LONG_CONTEXT, TOKENS_PER_PAGE, plan_for, read_task


def effects(task: str) -> list[str]:
    return [hint.effect for hint in read_task(task).hints]


def plan(task: str | None = None, **fields):
    return plan_for(RecommendRequest(task=task, **fields))


# --- word boundaries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "task",
    [
        "imagine a world without borders",  # 'image' inside 'imagine'
        "write a report for the board",  # 'repo' inside 'report'
        "firmware for embedded systems",  # 'embed' inside 'embedded'
        "a musical quiz",  # 'music' inside 'musical'
        "a bestseller blurb",  # 'best' inside 'bestseller'
        "smallpox history",  # 'small' inside 'smallpox'
        "a toolbox app",  # 'tool' inside 'toolbox'
        "agency website copy",  # 'agent' inside 'agency'
        "freedom of speech essay",  # 'free' inside 'freedom', 'speech' alone is no kind
        "the imagery of old films",  # 'image' inside 'imagery'
    ],
)
def test_hint_words_inside_other_words_ask_for_nothing(task):
    reading = read_task(task)
    assert reading.kind is None and reading.optimize is None
    assert reading.capabilities == reading.input_modalities == []
    assert not reading.free and reading.min_context == 0
    assert reading.category is None


def test_the_mini_in_gemini_is_nothing_but_the_name_gemini():
    reading = read_task("use gemini")
    assert reading.optimize is None and reading.names == ["gemini"]
    assert [h.hint for h in reading.hints] == ["gemini"] and "names them" in reading.hints[0].effect


def test_the_image_in_imagine_is_not_an_image_input():
    assert plan("imagine a product launch").input_modalities == ()
    assert plan("describe this image").input_modalities == ("image",)


# --- negations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "dropped"),
    [
        ("no tool calls needed", "tool calls"),  # negation before
        ("without images", "images"),  # 'without' before
        ("images not needed", "images"),  # negation after
        ("tools not required", "tools"),  # another negation after
        ("don't need tools", "tools"),  # a contraction before
        ("no json", "json"),  # a preference can be negated too
    ],
)
def test_a_negation_before_or_after_drops_the_hint_and_says_so(task, dropped):
    reading = read_task(task)
    assert reading.capabilities == reading.input_modalities == reading.prefer == []
    assert reading.category is None
    assert {(h.hint, h.effect) for h in reading.hints} == {(dropped, "ignored: negated")}  # once: see below


def test_a_negation_drops_only_its_own_hint():
    reading = read_task("an agent with tools, without images")
    assert reading.capabilities == ["tool_call"] and reading.input_modalities == []
    assert ("images", "ignored: negated") in [(h.hint, h.effect) for h in reading.hints]


# --- sizes become a minimum context --------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "tokens", "effect"),
    [
        ("a 500-page manual", 300_000, "min_context = 300,000 (600 tokens a page)"),  # pages x 600
        ("2 pages of notes", 1_200, "min_context = 1,200 (600 tokens a page)"),  # a small need
        ("300k tokens of logs", 300_000, "min_context = 300,000 (as stated)"),  # k = thousand
        ("1.5m tokens of logs", 1_500_000, "min_context = 1,500,000 (as stated)"),  # m = million
        ("10,000 words", 13_500, "min_context = 13,500 (1.35 tokens a word)"),  # a thousands separator
        ("a long document", LONG_CONTEXT, "min_context = 200,000 (a long input)"),  # no number
        ("the whole codebase", LONG_CONTEXT, "min_context = 200,000 (a long input)"),  # codebase-sized
        ("a 500-page book", 300_000, "min_context = 300,000 (600 tokens a page)"),  # the larger of two sizes
    ],
)
def test_a_stated_size_becomes_min_context(task, tokens, effect):
    assert read_task(task).min_context == tokens
    assert effect in effects(task)


def test_a_page_is_600_tokens():
    assert TOKENS_PER_PAGE == 600
    assert plan("a 500-page contract").min_context == 500 * 600


# --- kinds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "kind"),
    [
        ("embeddings for semantic search", "embedding"),
        ("vector search over docs", "embedding"),  # no 'embedding' word
        ("rerank search results", "rerank"),
        ("transcribe meetings", "speech-to-text"),
        ("speech to text for calls", "speech-to-text"),
        ("text to speech for my app", "text-to-speech"),
        ("read these articles aloud", "text-to-speech"),  # words between 'read' and 'aloud'
        ("a voice assistant", "realtime-voice"),
        ("generate a logo", "image-generation"),
        ("generate product images", "image-generation"),  # a word between the verb and 'images'
        ("generate a video clip", "video-generation"),
        ("make music for a game", "audio-generation"),
        ("content moderation", "moderation"),
        ("guardrails for a chatbot", "moderation"),
        ("deep research on a market", "research-agent"),
    ],
)
def test_words_that_name_a_kind_of_model_set_the_kind(task, kind):
    assert plan(task).kind == kind
    assert any(effect.startswith(f"kind = {kind}") for effect in effects(task))


def test_without_kind_words_the_kind_is_chat():
    assert plan("answer support questions").kind == plan().kind == "chat"


@pytest.mark.parametrize(
    ("task", "column"),
    [
        ("generate a logo", "image"),  # image generation ranks by the text-to-image column
        ("transcribe meetings", "general"),  # no arena column of its own
    ],
)
def test_a_kind_picks_its_own_quality_column(task, column):
    assert plan(task).column == column


def test_generating_images_is_image_output_not_image_input():
    p = plan("generate images for a blog post")
    assert p.kind == "image-generation" and p.input_modalities == () and p.category == "image-generation"


def test_deep_research_also_asks_for_capability():
    assert plan("deep research on a market").optimize == "capability"
    assert "kind = research-agent; optimize = capability" in effects("deep research on a market")


# --- categories and their quality columns ---------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "category", "column"),
    [
        ("refactor a repo", "coding", "coding"),
        ("fix bugs in python", "coding", "coding"),
        ("prove theorems", "math", "math"),
        ("describe screenshots", "vision", "vision"),
        ("write poems", "creative", "creative"),
        ("extract fields from invoices", "extraction", "instruction"),  # following instructions exactly
        ("summarise emails", "summarisation", "long"),  # long user inputs
        ("an agent that uses tools", "agentic", "coding"),  # tool use is measured by coding agents
        ("a chat assistant", "general", "general"),
        ("answer questions", "general", "general"),
    ],
)
def test_words_that_name_a_category_pick_its_quality_column(task, category, column):
    p = plan(task)
    assert (p.kind, p.category, p.column) == ("chat", category, column)
    assert f"category = {category} (ranks by the {column} column)" in effects(task)[0]


def test_the_first_category_named_wins():
    assert plan("refactor code, then summarise it").category == "coding"


def test_an_image_input_without_words_ranks_by_the_vision_column():
    assert plan(input_modalities=("image",)).column == "vision"
    assert plan().column == "general"


# --- hard needs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "field", "value"),
    [
        ("describe screenshots", "input_modalities", "image"),  # looking at images
        ("summarise a podcast", "input_modalities", "audio"),  # listening
        ("watch video footage", "input_modalities", "video"),  # watching
        ("an agent with tools", "capabilities", "tool_call"),  # acting
        ("self-host open weights", "capabilities", "open_weights"),  # running it yourself
    ],
)
def test_what_the_task_cannot_do_without_is_a_hard_need(task, field, value):
    assert value in getattr(plan(task), field)
    assert f"{field} += {value}" in effects(task)


def test_a_non_chat_kind_brings_its_own_modalities():
    assert plan("generate images of screenshots").input_modalities == ()


# --- preferences are not filters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "preference"),
    [
        ("return json", "structured_output"),  # json
        ("structured output for forms", "structured_output"),  # the words themselves
        ("summarise pdfs", "pdf"),  # pdf input is a preference, no longer a filter
        ("prove theorems", "reasoning"),  # math prefers a reasoning model
    ],
)
def test_json_pdf_and_math_are_preferences_that_exclude_nothing(task, preference):
    p = plan(task)
    assert p.prefer == (preference,)
    assert preference not in p.capabilities and preference not in p.input_modalities
    assert f"prefer {preference} (ranks higher, excludes nothing)" in effects(task)


# --- where to sit on the price/quality curve -------------------------------------------------------


@pytest.mark.parametrize(
    "task",
    [
        "cheap summaries",  # cheap
        "a budget option",  # budget
        "a small model",  # small
        "a lightweight helper",  # lightweight
        "a sub-agent for search",  # sub-agent
        "labelling at scale",  # at scale
        "classify tickets",  # classify (a category too)
        "route requests to teams",  # route (a category too)
        "extract names from text",  # extract (a category too)
        "fast answers",  # fast: the catalog has no latency, so cost
    ],
)
def test_words_for_small_or_cheap_work_ask_for_cost(task):
    assert plan(task).optimize == "cost"
    assert any("optimize = cost" in effect for effect in effects(task))


@pytest.mark.parametrize(
    "task",
    [
        "the best model",  # best
        "hard problems",  # hard
        "the most capable model",  # most capable
        "competition-level math",  # competition-level
    ],
)
def test_words_for_the_best_ask_for_capability(task):
    assert plan(task).optimize == "capability"
    assert "optimize = capability" in effects(task)


def test_fast_also_puts_models_without_reasoning_first_among_equals():
    assert plan("fast answers").fast and not plan("cheap answers").fast


def test_largest_context_asks_for_context():
    assert plan("the largest context").optimize == "context"


@pytest.mark.parametrize(
    "task",
    [
        "a free model",  # free
        "I don't want to pay",  # no price at all
    ],
)
def test_free_puts_free_tiers_first_and_asks_for_cost(task):
    p = plan(task)
    assert p.free and p.optimize == "cost"
    assert "free offerings first (free tiers are rate-limited); optimize = cost" in effects(task)


def test_without_hints_the_order_is_balanced():
    assert plan("answer support questions").optimize == plan().optimize == "balanced"


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "names"),
    [
        ("use claude", ("claude",)),  # a family
        ("read English articles aloud", ("english",)),  # a language, matched in lower case
        ("compare qwen and llama", ("qwen", "llama")),  # several, in order
        ("use claude, not gpt", ("claude",)),  # a negated name is dropped
    ],
)
def test_family_and_language_names_are_kept_for_the_order(task, names):
    assert plan(task).names == names
    (hint,) = [h for h in plan(task).hints if h.hint == ", ".join(names)]
    assert "models whose id names them" in hint.effect


# --- explicit arguments win ----------------------------------------------------------------------


def test_an_explicit_kind_wins_and_the_hint_says_so():
    p = plan("embeddings for semantic search", kind="chat")
    assert p.kind == "chat"
    assert [(h.hint, h.effect) for h in p.hints] == [("embeddings", "kind chat was given")]


def test_an_explicit_optimize_wins_and_the_hint_says_so():
    p = plan("a cheap model", optimize="capability")
    assert p.optimize == "capability"
    assert [(h.hint, h.effect) for h in p.hints] == [("cheap", "optimize capability was given")]


@pytest.mark.parametrize(
    ("task", "optimize"),
    [
        ("classify tickets", "capability"),  # the extraction category also sets optimize
        ("a free model", "capability"),  # 'free' also sets optimize
        ("deep research on a market", "cost"),  # deep research also sets optimize
    ],
)
def test_no_hint_claims_an_optimize_that_an_explicit_argument_overrode(task, optimize):
    p = plan(task, optimize=optimize)
    assert p.optimize == optimize
    overridden = {"cost", "capability", "context"} - {optimize}
    assert not [h.effect for h in p.hints if any(f"optimize = {mode}" in h.effect for mode in overridden)]


def test_an_explicit_min_context_wins_even_when_smaller_and_the_hint_says_so():
    p = plan("a 500-page manual", min_context=1_000)
    assert p.min_context == 1_000
    assert [(h.hint, h.effect) for h in p.hints] == [("500-page", "min_context 1,000 was given")]


def test_hinted_needs_add_to_explicit_ones():
    p = plan("an agent that reads screenshots", capabilities=("reasoning",), input_modalities=("text",))
    assert p.capabilities == ("reasoning", "tool_call") and p.input_modalities == ("text", "image")


def test_every_recognised_phrase_is_reported_with_its_effect():
    p = plan("cheaply summarise a 500-page pdf with tools, no images")
    assert {(h.hint, h.effect) for h in p.hints} == {
        ("summarise", "category = summarisation (ranks by the long column)"),
        ("images", "ignored: negated"),
        ("tools", "capabilities += tool_call"),
        ("500-page", "min_context = 300,000 (600 tokens a page)"),
        ("pdf", "prefer pdf (ranks higher, excludes nothing)"),
        ("cheaply", "optimize = cost"),
    }


def test_a_negated_phrase_is_reported_once():
    hints = [(h.hint, h.effect) for h in read_task("no tool calls needed").hints]
    assert hints == [("tool calls", "ignored: negated")]


# --- Words that only look like hints (from a review of the first version) --------------------------


@pytest.mark.parametrize(
    "task",
    [
        "write lyrics for a song",  # a song to write, not music to generate
        "a story with an unreliable narrator",  # a character, not a voice-over
        "embed a support chatbot in my website",  # to embed a widget, not embeddings
        "summarise transcripts of phone calls",  # transcripts are text; the calls are past
        "answer questions of moderate difficulty",  # moderate is an adjective
        "an agent that books appointments",  # a verb, not a long book
    ],
)
def test_an_incidental_word_does_not_change_the_kind_or_the_context(task):
    reading = read_task(task)
    assert reading.kind is None and reading.min_context == 0, reading


@pytest.mark.parametrize(
    "task",
    [
        "an agent that scans the repo",  # a verb: no image to look at
        "python code that plots charts",  # charts to draw, not to read
    ],
)
def test_drawing_or_scanning_in_code_needs_no_image_input(task):
    assert read_task(task).input_modalities == []


def test_free_text_is_not_a_request_for_a_free_model():
    assert not read_task("extract entities from free text").free
    assert read_task("a free model for my hobby bot").free


def test_a_number_too_large_to_mean_anything_is_read_as_the_largest_limit():
    reading = read_task("9" * 320 + " pages")
    assert reading.min_context == 10**12  # no OverflowError, a limit nothing meets


def test_a_long_run_of_digits_and_commas_is_read_quickly():
    import time

    start = time.perf_counter()
    read_task("1," * 999)
    assert time.perf_counter() - start < 1.0  # possessive matching: no backtracking over the run


def test_a_request_built_with_lists_is_a_cache_key_like_one_built_with_tuples():
    with_lists = RecommendRequest(capabilities=["tool_call"], providers=["openai"])  # type: ignore[arg-type]
    assert with_lists == RecommendRequest(capabilities=("tool_call",), providers=("openai",))
    assert plan_for(with_lists).capabilities == ("tool_call",)
