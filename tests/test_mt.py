import shutil

import pytest
from langadapt.errors import LangadaptError
from langadapt.mt import clean_line, get_translator
from langadapt.mt.seq2seq import language_token_id

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None, reason="Debian apertium not installed"
)


def test_clean_line_drops_markup_and_newlines():
    assert clean_line("Choose <emph>Tools</emph>\n- Options\t ") == "Choose Tools - Options"
    assert clean_line("") == ""


@needs_apertium
def test_apertium_keeps_one_line_per_line():
    lines = [
        "Open the document.",
        "",
        "Hello [world] ^ $ \\ @ # {x}",
        "Two lines\ninside one paragraph.",
        "<ahelp>Save</ahelp> the file %PRODUCTNAME.",
        "   ",
        "Print the table.",
    ]
    translator = get_translator({"backend": "apertium", "apertium_pair": "en-gl"})
    out = translator.translate(lines)
    assert len(out) == len(lines)
    assert out[1] == "" and out[5] == ""
    assert "documento" in out[0].lower()
    assert "\n" not in "".join(out)
    assert "<ahelp>" not in out[4]
    info = translator.describe()
    assert (
        info["backend"] == "apertium"
        and info["version"]
        and info["pair_package"] == "apertium-en-gl"
    )


@needs_apertium
def test_apertium_unknown_pair_is_a_clear_error():
    with pytest.raises(LangadaptError, match="not installed"):
        get_translator({"backend": "apertium", "apertium_pair": "en-xx"})


def test_missing_model_is_a_config_error():
    with pytest.raises(LangadaptError, match="synthetic.translation.model"):
        get_translator({"backend": "hf_seq2seq", "model": None})


@pytest.fixture(scope="module")
def tiny_seq2seq_dir(tmp_path_factory):
    """A random 1-layer Marian with the tiny BPE tokenizer plus NLLB-style language tokens."""
    import torch
    from tiny_model import make_tokenizer
    from transformers import MarianConfig, MarianMTModel

    out = tmp_path_factory.mktemp("tiny_seq2seq")
    tokenizer = make_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": ["eng_Latn", "glg_Latn"]})
    config = MarianConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    MarianMTModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def test_hf_seq2seq_is_one_to_one_and_forces_language(tiny_seq2seq_dir):
    spec = {
        "backend": "hf_seq2seq",
        "model": str(tiny_seq2seq_dir),
        "source_lang_code": "eng_Latn",
        "target_lang_code": "glg_Latn",
        "batch_size": 2,
    }
    translator = get_translator(spec)
    translator.max_new_tokens = 6
    lines = ["Open the document.", "Print the table from the File menu.", "", "Save."]
    out = translator.translate(lines)
    assert len(out) == len(lines) and all(
        isinstance(line, str) and "\n" not in line for line in out
    )
    assert (
        translator.forced_bos_token_id
        == language_token_id(translator.tokenizer, "glg_Latn")
        is not None
    )
    assert translator.describe()["backend"] == "hf_seq2seq"


def test_hf_seq2seq_sorts_batches_by_length_and_keeps_line_order(tiny_seq2seq_dir):
    from langadapt.mt.text import length_sorted_batches

    lines = ["Save.", "Print the table from the File menu.", "Open it.", "Close the document now."]
    assert length_sorted_batches(lines, 2) == [([1, 3], [lines[1], lines[3]]),
                                               ([2, 0], [lines[2], lines[0]])]
    translator = get_translator({"backend": "hf_seq2seq", "model": str(tiny_seq2seq_dir),
                                 "batch_size": 2})
    translator.max_new_tokens = 6
    one_by_one = [translator.translate([line])[0] for line in lines]
    assert translator.translate(lines) == one_by_one


def test_causal_lm_is_one_to_one(tiny_model_dir):
    translator = get_translator(
        {"backend": "causal_lm", "model": str(tiny_model_dir), "batch_size": 3}
    )
    translator.max_new_tokens = 5
    lines = ["Open the document.", "Close it.", "Print the table from the File menu.", "Save."]
    out = translator.translate(lines)
    assert len(out) == len(lines) and all("\n" not in line for line in out)
    assert "<|im_start|>" in translator.prompt("x")
    assert translator.describe()["backend"] == "causal_lm"


def test_hf_seq2seq_runs_on_model_device(tiny_seq2seq_dir, monkeypatch):
    """The MT backend places model and inputs where ``modeling.model_device()`` says."""
    import torch
    from langadapt import modeling

    calls = []
    monkeypatch.setattr(modeling, "model_device", lambda: calls.append(1) or torch.device("cpu"))
    translator = get_translator({"backend": "hf_seq2seq", "model": str(tiny_seq2seq_dir)})
    translator.max_new_tokens = 2
    assert translator.translate(["Save."]) and calls
    assert translator.model.device == torch.device("cpu") == translator.device


@pytest.fixture(scope="module")
def tiny_m2m_dirs(tmp_path_factory):
    """A random 1-layer M2M100 (NLLB's architecture) and its CTranslate2 conversions."""
    ctranslate2 = pytest.importorskip("ctranslate2")
    import torch
    from tiny_model import make_tokenizer
    from transformers import M2M100Config, M2M100ForConditionalGeneration

    root = tmp_path_factory.mktemp("tiny_m2m")
    tokenizer = make_tokenizer()
    tokenizer.add_special_tokens(
        {"additional_special_tokens": ["eng_Latn", "glg_Latn"], "unk_token": "<unk>"})
    # M2M100 positions start at pad id + 1; CTranslate2 assumes NLLB's pad id 1
    tokenizer.pad_token = tokenizer.convert_ids_to_tokens(1)
    config = M2M100Config(
        vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    M2M100ForConditionalGeneration(config).save_pretrained(root / "hf")
    tokenizer.save_pretrained(root / "hf")
    converter = ctranslate2.converters.TransformersConverter(str(root / "hf"))
    converter.convert(str(root / "ct2"))
    converter.convert(str(root / "ct2_int8"), quantization="int8")
    return root


def test_ctranslate2_gives_the_transformers_translation(tiny_m2m_dirs):
    lines = ["Save.", "Print the table from the File menu.", "", "Open the document now."]
    spec = {"backend": "hf_seq2seq", "model": str(tiny_m2m_dirs / "hf"),
            "source_lang_code": "eng_Latn", "target_lang_code": "glg_Latn", "batch_size": 2,
            "max_new_tokens": 6}
    reference = get_translator(spec).translate(lines)
    fast = get_translator({**spec, "ctranslate2_model": str(tiny_m2m_dirs / "ct2")})
    out = fast.translate(lines)
    # same text, except that an empty line stays empty (transformers decodes from nothing)
    assert out[:2] + out[3:] == reference[:2] + reference[3:] and out[2] == ""
    assert fast.describe()["engine"] == "ctranslate2" and fast.target_prefix == "glg_Latn"
    int8 = get_translator({**spec, "ctranslate2_model": str(tiny_m2m_dirs / "ct2_int8"),
                           "compute_type": "int8"})
    out = int8.translate(lines)
    assert len(out) == len(lines) and all("\n" not in line for line in out)
    assert int8.describe()["compute_type"] == "int8"
