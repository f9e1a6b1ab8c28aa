"""The prompt panel: model-driven controls, counts, sizes, requests, keys, references, cost."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QThread, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPalette
from PySide6.QtWidgets import QApplication, QFileDialog

from maskpaint.core.models import get_model, known_models
from maskpaint.core.request import ImageFile
from maskpaint.gui import panel_options, prompt_panel
from maskpaint.gui.panel_controls import CUSTOM_SIZE
from maskpaint.gui.panel_options import PanelOptions, options_from_json, options_to_json
from maskpaint.gui.panel_preflight import check
from maskpaint.gui.prompt_panel import PromptPanel

RED = "#c62828"
EVERYTHING = PanelOptions(
    prompt="a red scarf",
    n=3,
    quality="high",
    background="opaque",
    output_format="webp",
    output_compression=80,
    input_fidelity="high",
    moderation="low",
    stream=True,
    partial_images=2,
)


@pytest.fixture
def panel(qtbot) -> PromptPanel:
    widget = PromptPanel()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    return widget


def type_model(qtbot, panel: PromptPanel, name: str) -> None:
    """Type a model name into the editable combo, as a user would."""
    edit = panel.form.model_combo.lineEdit()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, name)


def enabled_controls(panel: PromptPanel) -> set[str]:
    form = panel.form
    controls = {
        **form.choice_combos,
        "output_compression": form.compression_spin,
        "moderation": form.moderation_combo,
        "stream": form.stream_check,
        "partial_images": form.partial_spin,
        "references": panel.references.add_button,
    }
    return {name for name, widget in controls.items() if widget.isEnabled()}


def combo_items(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


GPT = {"quality", "background", "output_format", "moderation", "stream", "references"}
# model -> (enabled controls with webp output and streaming on, quality choices, sizes)
MODEL_TABLE = {
    "gpt-image-1.5": (
        GPT | {"input_fidelity", "output_compression", "partial_images"},
        ["low", "medium", "high", "auto"],
        ["1024x1024", "1536x1024", "1024x1536", "auto"],
    ),
    "gpt-image-1-mini": (
        GPT | {"input_fidelity", "output_compression", "partial_images"},
        ["low", "medium", "high", "auto"],
        ["1024x1024", "1536x1024", "1024x1536", "auto"],
    ),
    "gpt-image-2": (
        GPT | {"output_compression", "partial_images"},
        ["low", "medium", "high", "auto"],
        ["1024x1024", "1536x1024", "1024x1536", "auto", CUSTOM_SIZE],
    ),
    "gpt-image-2.5-sunburst": (
        GPT | {"output_compression", "partial_images"},
        ["low", "medium", "high", "xhigh", "max", "auto"],
        ["1024x1024", "1536x1024", "1024x1536", "auto", CUSTOM_SIZE],
    ),
    "chatgpt-image-latest": (
        GPT | {"output_compression", "partial_images"},
        ["low", "medium", "high", "auto"],
        ["1024x1024", "1536x1024", "1024x1536", "auto"],
    ),
    "dall-e-2": ({"quality"}, ["standard"], ["256x256", "512x512", "1024x1024"]),
    "flux-kontext-pro": ({"references"}, [], ["1024x1024", "1536x1024", "1024x1536"]),
    "my-gateway-model": (
        {"references"},
        [],
        ["1024x1024", "1536x1024", "1024x1536", CUSTOM_SIZE],
    ),
}


@pytest.mark.parametrize("model", MODEL_TABLE)
def test_switching_model_enables_exactly_the_controls_it_accepts(qtbot, panel, model):
    panel.set_options(replace(EVERYTHING, model="gpt-image-1.5"))
    type_model(qtbot, panel, model)
    assert panel.form.model_name() == model
    expected, qualities, sizes = MODEL_TABLE[model]
    assert enabled_controls(panel) == expected
    assert combo_items(panel.form.choice_combos["quality"]) == qualities
    assert combo_items(panel.form.size_combo) == sizes
    assert panel.form.n_spin.maximum() == get_model(model).n_max
    spec = get_model(model)
    for combo in panel.form.choice_combos.values():
        if not combo.isEnabled():
            assert combo.toolTip().startswith(f"{spec.label} does not take")


@pytest.mark.parametrize("spec", known_models(), ids=lambda s: s.name)
def test_every_listed_model_can_be_picked_from_the_list(qtbot, panel, spec):
    combo = panel.form.model_combo
    combo.setCurrentIndex(combo.findData(spec.name))
    assert panel.form.model_name() == spec.name
    assert panel.options().model == spec.name
    assert panel.form.stream_check.isEnabled() == spec.streaming
    assert ("retired" in combo.currentText()) == (spec.retired is not None)


def test_typed_choice_survives_a_model_without_it(qtbot, panel):
    panel.set_options(replace(EVERYTHING, model="gpt-image-1.5", input_fidelity="high"))
    type_model(qtbot, panel, "flux-kontext-pro")
    type_model(qtbot, panel, "gpt-image-1")
    assert panel.options().input_fidelity == "high"
    assert panel.options().quality == "high"


def test_prompt_count_goes_red_over_the_model_limit(qtbot, panel):
    qtbot.keyClicks(panel.prompt_edit, "a red scarf")
    assert panel.count_label.text() == "11 / 32,000"
    role = QPalette.ColorRole.WindowText
    assert panel.count_label.palette().color(role).name() != RED
    panel.set_prompt("x" * 1001)
    type_model(qtbot, panel, "dall-e-2")
    assert panel.count_label.text() == "1,001 / 1,000"
    assert panel.count_label.palette().color(role).name() == RED
    qtbot.keyClick(panel.prompt_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(panel.prompt_edit, Qt.Key.Key_Backspace)
    assert panel.count_label.text() == "1,000 / 1,000"
    assert panel.count_label.palette().color(role).name() != RED


def pick_custom_size(qtbot, panel: PromptPanel, width: int, height: int) -> None:
    form = panel.form
    form.size_combo.setCurrentText(CUSTOM_SIZE)
    for spin, value in ((form.width_spin, width), (form.height_spin, height)):
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin, str(value))
        qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_free_size_takes_a_custom_size_and_explains_its_problem(qtbot, panel):
    type_model(qtbot, panel, "gpt-image-2")
    assert not panel.form.custom_size.isVisible()
    pick_custom_size(qtbot, panel, 1000, 1024)
    assert panel.form.custom_size.isVisible()
    assert panel.options().size == "1000x1024"
    assert "both sides must be multiples of 16" in panel.form.size_note.text()
    pick_custom_size(qtbot, panel, 2048, 1152)
    assert panel.options().size == "2048x1152"
    assert not panel.form.size_note.isVisible()
    pick_custom_size(qtbot, panel, 3840, 2160)
    assert "experimental" in panel.form.size_note.text()
    type_model(qtbot, panel, "gpt-image-2.5-flare")
    assert "short side may be at most 2160" not in panel.form.size_note.text()
    pick_custom_size(qtbot, panel, 3840, 2176)
    assert "short side may be at most 2160" in panel.form.size_note.text()


def test_custom_size_steps_by_16(qtbot, panel):
    type_model(qtbot, panel, "gpt-image-2")
    pick_custom_size(qtbot, panel, 1024, 1024)
    qtbot.keyClick(panel.form.width_spin, Qt.Key.Key_Up)
    assert panel.options().size == "1040x1024"


def test_a_listed_size_is_not_custom_after_a_model_without_free_sizes(qtbot, panel):
    type_model(qtbot, panel, "gpt-image-2")
    pick_custom_size(qtbot, panel, 2048, 1152)
    type_model(qtbot, panel, "gpt-image-1.5")
    assert panel.options().size == "auto"
    type_model(qtbot, panel, "gpt-image-2")
    assert panel.options().size == "2048x1152"


PHOTO = ImageFile(b"photo bytes", "photo.png", "image/png")
MASK = ImageFile(b"mask bytes", "mask.png", "image/png")
REFERENCE = ImageFile(b"ref bytes", "ref.jpg", "image/jpeg")
SENT_BY_GPT2 = {
    "n",
    "size",
    "quality",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "stream",
    "partial_images",
}


@pytest.mark.parametrize(
    ("model", "sent"),
    [
        ("dall-e-2", {"n", "size", "quality"}),
        ("gpt-image-2", SENT_BY_GPT2),
        ("gpt-image-2.5-sunburst", SENT_BY_GPT2),
        ("gpt-image-1.5", SENT_BY_GPT2 | {"input_fidelity"}),
        ("my-gateway-model", {"n", "size"}),
    ],
)
def test_build_request_sets_only_the_fields_the_model_accepts(qtbot, panel, model, sent):
    panel.set_options(replace(EVERYTHING, model=model))
    request = panel.build_request(PHOTO, MASK, [REFERENCE])
    assert set(request.set_fields()) == sent
    assert request.model == model
    assert request.images == (PHOTO, REFERENCE)
    assert request.mask is MASK
    assert request.prompt == "a red scarf"
    assert request.response_format is None and request.user is None


def test_build_request_values_follow_the_controls(qtbot, panel):
    panel.set_options(replace(EVERYTHING, model="gpt-image-2.5-sunburst", quality="xhigh"))
    request = panel.build_request(PHOTO, None, [])
    assert request.set_fields() == {
        "background": "opaque",
        "moderation": "low",
        "n": 3,
        "output_compression": 80,
        "output_format": "webp",
        "partial_images": 2,
        "quality": "xhigh",
        "size": "auto",
        "stream": True,
    }


def test_compression_moderation_and_partials_are_sent_only_when_they_apply(qtbot, panel):
    panel.set_options(
        replace(EVERYTHING, output_format="png", moderation=None, stream=False, partial_images=2)
    )
    assert not panel.form.compression_spin.isEnabled()
    assert not panel.form.partial_spin.isEnabled()
    fields = panel.build_request(PHOTO, None, []).set_fields()
    assert "output_compression" not in fields
    assert "moderation" not in fields
    assert "stream" not in fields and "partial_images" not in fields
    qtbot.mouseClick(panel.form.stream_check, Qt.MouseButton.LeftButton)
    assert panel.form.partial_spin.isEnabled()
    assert panel.build_request(PHOTO, None, []).set_fields()["partial_images"] == 2


def test_ctrl_enter_and_ctrl_return_emit_generate_requested(qtbot, panel):
    panel.prompt_edit.setFocus()
    qtbot.keyClicks(panel.prompt_edit, "a hat")
    modifiers = Qt.KeyboardModifier.ControlModifier
    with qtbot.waitSignal(panel.generate_requested, timeout=1000):
        qtbot.keyClick(panel.prompt_edit, Qt.Key.Key_Return, modifiers)
    with qtbot.waitSignal(panel.generate_requested, timeout=1000):
        qtbot.keyClick(
            panel.prompt_edit, Qt.Key.Key_Enter, modifiers | Qt.KeyboardModifier.KeypadModifier
        )
    assert panel.prompt_edit.toPlainText() == "a hat"  # no newline slipped in
    with qtbot.waitSignal(panel.generate_requested, timeout=1000):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)


def test_esc_emits_cancel_requested_only_while_a_job_runs(qtbot, panel):
    panel.prompt_edit.setFocus()
    with qtbot.assertNotEmitted(panel.cancel_requested, wait=50):
        qtbot.keyClick(panel.prompt_edit, Qt.Key.Key_Escape)
    assert not panel.cancel_button.isEnabled()
    panel.set_busy(2)
    assert panel.cancel_button.isEnabled()
    assert panel.busy_label.text() == "2 edits running"
    with qtbot.waitSignal(panel.cancel_requested, timeout=1000):
        qtbot.keyClick(panel.prompt_edit, Qt.Key.Key_Escape)
    panel.set_busy(0)
    assert not panel.cancel_button.isEnabled()


def wait_loaded(qtbot, panel: PromptPanel) -> None:
    qtbot.waitUntil(lambda: panel.references.loading == 0, timeout=5000)


def test_reference_images_are_added_with_thumbnails_and_removed(
    qtbot, panel, samples_dir, monkeypatch
):
    chelsea, rocket = samples_dir / "chelsea.png", samples_dir / "rocket.jpg"
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(chelsea), str(rocket)], "")
    )
    qtbot.mouseClick(panel.references.add_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, panel)
    refs = panel.references.list
    assert [refs.item(i).text() for i in range(refs.count())] == ["chelsea.png", "rocket.jpg"]
    for i in range(2):
        thumb = refs.item(i).icon().pixmap(72, 72)
        assert not thumb.isNull() and max(thumb.width(), thumb.height()) == 72
    files = panel.reference_files()
    assert [f.mime for f in files] == ["image/png", "image/jpeg"]
    assert files[1].data == rocket.read_bytes()
    assert panel.options().reference_paths == (str(chelsea), str(rocket))
    refs.item(0).setSelected(True)
    qtbot.mouseClick(panel.references.remove_button, Qt.MouseButton.LeftButton)
    assert panel.options().reference_paths == (str(rocket),)
    assert [f.filename for f in panel.reference_files()] == ["rocket.jpg"]


def test_dropping_files_adds_references(qtbot, panel, samples_dir):
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(samples_dir / "coffee.png"))])
    target = panel.references
    args = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    enter = QDragEnterEvent(QPoint(5, 5), *args)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDropEvent(QPointF(5, 5), *args))
    wait_loaded(qtbot, panel)
    assert panel.options().reference_paths == (str(samples_dir / "coffee.png"),)
    assert not target.list.item(0).icon().isNull()


def test_an_unreadable_reference_says_why(qtbot, panel, tmp_path):
    junk = tmp_path / "notes.png"
    junk.write_text("not an image")
    panel.references.add_paths([str(junk)])
    wait_loaded(qtbot, panel)
    item = panel.references.list.item(0)
    assert "notes.png is not an image maskpaint can read" in item.toolTip()
    assert panel.reference_files() == ()


def test_references_stop_at_the_model_image_limit(qtbot, panel, samples_dir):
    type_model(qtbot, panel, "dall-e-2")
    assert not panel.references.add_button.isEnabled()
    assert "takes only the photo" in panel.references.add_button.toolTip()
    panel.references.add_paths([str(samples_dir / "coffee.png")])
    assert panel.options().reference_paths == ()
    type_model(qtbot, panel, "gpt-image-1.5")
    assert panel.references.count_label.text() == "0 / 15"
    assert panel.references.add_button.isEnabled()


def test_cost_line_follows_n_and_quality(qtbot, panel):
    panel.set_options(PanelOptions(model="gpt-image-1.5", size="1024x1024", quality="low"))
    assert panel.cost_label.text() == "Estimated cost for 1 image: ≈ $0.009 (per-image table)"
    panel.form.n_spin.setFocus()
    qtbot.keyClick(panel.form.n_spin, Qt.Key.Key_Up)
    assert panel.cost_label.text() == "Estimated cost for 2 images: ≈ $0.018 (per-image table)"
    panel.form.choice_combos["quality"].setCurrentText("high")
    assert panel.cost_label.text() == "Estimated cost for 2 images: ≈ $0.27 (per-image table)"
    type_model(qtbot, panel, "my-gateway-model")
    assert panel.cost_label.text().endswith("cost unknown for model my-gateway-model")


ROUND_TRIP = [
    PanelOptions(),
    replace(EVERYTHING, model="gpt-image-2", size="2048x1152"),
    replace(EVERYTHING, model="gpt-image-2.5-flare", quality="max", size="1536x1024"),
    replace(EVERYTHING, model="dall-e-2", size="512x512", quality="standard", stream=False),
    replace(EVERYTHING, model="some-gateway/flux-9", size="1000x700"),
]


@pytest.mark.parametrize("options", ROUND_TRIP, ids=lambda o: o.model)
def test_set_options_round_trips(qtbot, panel, options):
    panel.set_options(options)
    assert panel.options() == options
    assert options_from_json(options_to_json(options)) == options


def test_the_last_options_come_back_in_a_new_panel(qtbot, panel, samples_dir):
    chosen = replace(
        EVERYTHING, model="gpt-image-2", reference_paths=(str(samples_dir / "chelsea.png"),)
    )
    panel.set_options(chosen)
    wait_loaded(qtbot, panel)
    again = PromptPanel()
    qtbot.addWidget(again)
    wait_loaded(qtbot, again)
    assert again.options() == chosen


def test_saved_options_that_are_damaged_fall_back_field_by_field():
    text = '{"model": "gpt-image-2", "n": "three", "stream": 1, "bogus": true}'
    assert options_from_json(text) == PanelOptions(model="gpt-image-2")
    assert options_from_json("{not json") == PanelOptions()


def wait_lines(qtbot, panel: PromptPanel, *texts: str) -> None:
    def shown() -> bool:
        joined = " | ".join(line.text for line in panel.preflight_lines())
        return all(text in joined for text in texts)

    qtbot.waitUntil(shown, timeout=3000)


def test_preflight_problems_show_before_sending(qtbot, panel):
    wait_lines(qtbot, panel, "There is no image to edit", "The prompt is empty")
    panel.set_document_facts(600, 400, has_mask=True)
    qtbot.keyClicks(panel.prompt_edit, "a hat")
    type_model(qtbot, panel, "dall-e-2")
    wait_lines(qtbot, panel, "dall-e-2 needs a square image", "Retired by OpenAI")
    assert "There is no image" not in panel.preflight_label.text()
    assert RED in panel.preflight_label.text()


def test_preflight_checks_option_combinations_and_byte_limits(qtbot, panel):
    panel.set_prompt("a hat")
    panel.set_options(
        replace(EVERYTHING, output_format="jpeg", background="transparent", stream=True)
    )
    panel.set_document_facts(1024, 1024, has_mask=True, mask_bytes=5 * 1024 * 1024)
    wait_lines(qtbot, panel, "transparent background needs the png or webp", "The mask is 5.0 MB")
    levels = {line.level for line in panel.preflight_lines()}
    assert levels == {"problem"}


def test_oversized_photo_is_reported_as_fixed_on_sending(qtbot, panel):
    panel.set_options(replace(EVERYTHING, model="gpt-image-1.5"))
    panel.set_document_facts(800, 600, has_mask=False, image_bytes=51 * 1024 * 1024)
    wait_lines(qtbot, panel, "maskpaint fixes this when sending: Image 1 (the canvas photo) is 51")
    assert {line.level for line in panel.preflight_lines()} == {"fix"}


def test_size_problem_is_shown_inline_not_twice(qtbot, panel):
    panel.set_options(replace(EVERYTHING, model="gpt-image-2", size="1000x1000"))
    panel.set_document_facts(1000, 1000, has_mask=True, mask_bytes=5 * 1024 * 1024)
    wait_lines(qtbot, panel, "The mask is 5.0 MB")
    assert "multiples of 16" in panel.form.size_note.text()
    assert not any("multiples of 16" in line.text for line in panel.preflight_lines())


def test_options_changed_fires_on_edits(qtbot, panel):
    with qtbot.waitSignal(panel.options_changed, timeout=1000):
        qtbot.keyClicks(panel.prompt_edit, "x")
    with qtbot.waitSignal(panel.options_changed, timeout=1000):
        panel.form.choice_combos["background"].setCurrentText("opaque")


def test_a_reference_the_model_cannot_take_is_reported_as_fixed_on_sending(qtbot, panel, tmp_path):
    gif = tmp_path / "swatch.gif"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(gif)
    panel.set_options(replace(EVERYTHING, model="gpt-image-1.5"))
    panel.set_document_facts(600, 400, has_mask=True)
    panel.references.add_paths([str(gif)])
    wait_loaded(qtbot, panel)
    assert [f.mime for f in panel.reference_files()] == ["image/gif"]
    wait_lines(qtbot, panel, "maskpaint fixes this when sending: Image 2 (swatch.gif) is GIF")


def test_preflight_runs_off_the_gui_thread(qtbot, panel, monkeypatch):
    threads: list[object] = []

    def recording_check(*args):
        threads.append(QThread.currentThread())
        return check(*args)

    monkeypatch.setattr(prompt_panel, "check", recording_check)
    panel.set_prompt("a hat")
    qtbot.waitUntil(lambda: bool(threads), timeout=3000)
    assert threads[0] is not QThread.currentThread()


@pytest.mark.parametrize("model", ["gpt-image-1.5", "gpt-image-2", "dall-e-2", "my-gateway"])
def test_a_request_from_history_restores_the_options_that_built_it(qtbot, panel, model):
    panel.set_options(replace(EVERYTHING, model=model))
    sent = panel.build_request(PHOTO, MASK, [])
    restored = panel_options.options_from_request(sent, ["/photos/ref.png"])
    assert restored.reference_paths == ("/photos/ref.png",)
    assert panel_options.build_request(restored, PHOTO, MASK) == sent
    panel.set_options(PanelOptions())
    panel.set_options(replace(restored, reference_paths=()))
    assert panel.build_request(PHOTO, MASK, []) == sent
