"""The panel's full-resolution box: composite on for GPT image models, crop implies
composite, choices saved with the panel's options."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from maskpaint.gui.panel_options import (
    PanelOptions,
    compose_settings,
    options_from_json,
    options_to_json,
)
from maskpaint.gui.prompt_panel import PromptPanel


@pytest.fixture
def panel(qtbot) -> PromptPanel:
    widget = PromptPanel()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_composite_is_on_by_default_for_gpt_image_models_with_a_4_px_feather(panel):
    box = panel.compose_box
    assert panel.options().model.startswith("gpt-image")
    assert box.composite_check.isChecked() and box.composite_check.isEnabled()
    assert box.feather_spin.value() == 4.0 and box.padding_spin.value() == 32
    assert not box.crop_check.isChecked() and not box.padding_spin.isEnabled()
    settings = compose_settings(panel.options())
    assert (settings.composite, settings.feather_px, settings.crop_to_mask) == (True, 4.0, False)


def test_composite_is_off_by_default_for_dall_e_2(panel):
    panel.set_options(replace(panel.options(), model="dall-e-2"))
    assert not panel.compose_box.composite_check.isChecked()
    assert not compose_settings(panel.options()).composite


def test_a_composite_choice_sticks_across_models_and_restarts(qtbot, panel):
    panel.compose_box.composite_check.click()  # off, on a GPT image model
    assert panel.options().composite is False
    panel.set_options(replace(panel.options(), model="dall-e-2"))
    panel.set_options(replace(panel.options(), model="gpt-image-1"))
    assert not panel.compose_box.composite_check.isChecked()

    again = PromptPanel()
    qtbot.addWidget(again)
    assert again.options().composite is False
    assert not again.compose_box.composite_check.isChecked()


def test_crop_to_mask_implies_composite_and_enables_padding(panel):
    box = panel.compose_box
    box.composite_check.click()  # off
    box.crop_check.click()  # crop on
    assert box.composite_check.isChecked() and not box.composite_check.isEnabled()
    assert box.padding_spin.isEnabled() and box.feather_spin.isEnabled()
    box.padding_spin.setValue(80)
    box.feather_spin.setValue(6.5)
    settings = compose_settings(panel.options())
    assert (settings.crop_to_mask, settings.padding, settings.feather_px) == (True, 80, 6.5)


def test_the_crop_line_shows_only_while_cropping(panel):
    box = panel.compose_box
    box.set_crop_line("crop 396×264 → 1536×1024")
    assert not box.crop_line.isVisible()
    box.crop_check.click()
    assert box.crop_line.isVisible()
    box.crop_check.click()
    assert not box.crop_line.isVisible()


def test_saved_compose_options_of_the_wrong_type_are_dropped_one_by_one():
    saved = json.loads(options_to_json(PanelOptions(crop_to_mask=True, feather_px=2.0)))
    assert options_from_json(json.dumps(saved)).crop_to_mask is True
    saved.update(composite="yes", feather_px=-1, crop_padding="many")
    restored = options_from_json(json.dumps(saved))
    assert (restored.composite, restored.feather_px, restored.crop_padding) == (None, 4.0, 32)
    assert restored.crop_to_mask is True
    assert options_from_json(json.dumps({"feather_px": 3})).feather_px == 3.0
