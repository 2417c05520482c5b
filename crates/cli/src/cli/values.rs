//! Command-line spellings and help of library enums. The library does not depend on clap: each enum it
//! takes from the command line has a mirror here that derives [`ValueEnum`] (and so owns the `--help` text
//! of its values), and a value parser that yields the library type, so that fields keep the library type.

use clap::builder::{EnumValueParser, TypedValueParser};
use clap::ValueEnum;
use framelens::encode::device::DeviceChoice;
use framelens::encode::quant::Int8Scheme;
use framelens::encode::PrecisionChoice;

/// `--precision`: [`PrecisionChoice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    Auto,
    Fp32,
    Bf16,
    Int8,
}

impl From<PrecisionArg> for PrecisionChoice {
    fn from(p: PrecisionArg) -> Self {
        match p {
            PrecisionArg::Auto => PrecisionChoice::Auto,
            PrecisionArg::Fp32 => PrecisionChoice::Fp32,
            PrecisionArg::Bf16 => PrecisionChoice::Bf16,
            PrecisionArg::Int8 => PrecisionChoice::Int8,
        }
    }
}

/// Parses `--precision` into a [`PrecisionChoice`].
pub fn precision() -> impl TypedValueParser<Value = PrecisionChoice> {
    EnumValueParser::<PrecisionArg>::new().map(PrecisionChoice::from)
}

/// `--device`: [`DeviceChoice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// The GPU for `--precision auto` where one is present and `scripts/setup.sh gpu` installed its
    /// runtime; otherwise the CPU.
    Auto,
    /// The CPU.
    Cpu,
    /// The first NVIDIA GPU (ONNX Runtime's CUDA provider, fp32); an error without one.
    Cuda,
}

impl From<DeviceArg> for DeviceChoice {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Auto => DeviceChoice::Auto,
            DeviceArg::Cpu => DeviceChoice::Cpu,
            DeviceArg::Cuda => DeviceChoice::Cuda,
        }
    }
}

/// Parses `--device` into a [`DeviceChoice`].
pub fn device() -> impl TypedValueParser<Value = DeviceChoice> {
    EnumValueParser::<DeviceArg>::new().map(DeviceChoice::from)
}

/// `--int8-scheme`: [`Int8Scheme`] (the variant docs are the values' `--help` text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Int8SchemeArg {
    /// ONNX Runtime's `com.microsoft::MatMulNBits`, 8-bit weights in blocks of 32 inputs with a scale each,
    /// `accuracy_level` 4: activations are quantized to int8 per row and block at run time and the product
    /// runs on int8 dot-product units (VNNI). CPU provider.
    Nbits,
    /// Weight-only int8: `DequantizeLinear` (int8 weights, per-channel scale) → `MatMul` on the OpenVINO
    /// provider in bf16, which keeps the weights compressed; batches of one padded length, as for bf16.
    WeightOnly,
    /// Dynamic quantization per row in standard ops: each token's activations get their own scale, uint8
    /// `MatMulInteger` against int8 weights, rescaled in fp32. CPU provider.
    PerRow,
    /// Static calibrated scales with SmoothQuant: each Linear input is divided per channel by factors that
    /// move its outliers into the (per-channel quantized) weights, then quantized per tensor with a
    /// constant scale measured on the calibration set at quantize time, so no row depends on its batch. QDQ
    /// form (`QuantizeLinear` → `DequantizeLinear` → `MatMul` with `DequantizeLinear` weights), run by the
    /// OpenVINO provider as int8 products, the rest in bf16; batches of one padded length, as for bf16.
    Static,
}

impl From<Int8SchemeArg> for Int8Scheme {
    fn from(s: Int8SchemeArg) -> Self {
        match s {
            Int8SchemeArg::Nbits => Int8Scheme::Nbits,
            Int8SchemeArg::WeightOnly => Int8Scheme::WeightOnly,
            Int8SchemeArg::PerRow => Int8Scheme::PerRow,
            Int8SchemeArg::Static => Int8Scheme::Static,
        }
    }
}

/// Parses `--int8-scheme` into an [`Int8Scheme`].
pub fn int8_scheme() -> impl TypedValueParser<Value = Int8Scheme> {
    EnumValueParser::<Int8SchemeArg>::new().map(Int8Scheme::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_spells_as_the_library_does() {
        for v in Int8SchemeArg::value_variants() {
            let name = v.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(Int8Scheme::from(*v).as_str(), name);
        }
        assert_eq!(Int8SchemeArg::value_variants().len(), Int8Scheme::ALL.len());
        for v in PrecisionArg::value_variants() {
            let name = v.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(PrecisionChoice::from(*v).to_string(), name);
        }
    }
}
