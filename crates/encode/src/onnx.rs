//! A small builder over the `onnx-protobuf` messages: enough to write an inference graph op by op with
//! readable code (`g.op("MatMul", &[x, w])`) instead of hand-filling protobuf structs at every node.

use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto, AttributeProto, GraphProto,
    Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

/// ONNX opset of the emitted graph: 17 has LayerNormalization as a standard op, and ONNX Runtime 1.24 runs it.
pub const OPSET: i64 = 17;
/// IR version matching opset 17.
pub const IR_VERSION: i64 = 8;
/// ONNX Runtime's contrib-op domain (`MatMulNBits`), imported at version 1 when a node uses it.
pub const MS_DOMAIN: &str = "com.microsoft";

/// An attribute value of a graph node (`GraphBuilder::op_with`).
pub enum Attr<'a> {
    /// An `INT` attribute (`axis`, `to`, `keepdims`).
    Int(i64),
    /// An `INTS` attribute (`perm`, `axes`).
    Ints(&'a [i64]),
    /// A `FLOAT` attribute (`epsilon`).
    Float(f32),
}

/// Collects nodes and initializers; names every intermediate value uniquely.
#[derive(Default)]
pub struct GraphBuilder {
    graph: GraphProto,
    counter: usize,
    uses_ms_domain: bool,
}

impl GraphBuilder {
    pub(crate) fn new(name: &str) -> Self {
        let mut graph = GraphProto::new();
        graph.name = name.to_string();
        GraphBuilder { graph, counter: 0, uses_ms_domain: false }
    }

    fn fresh(&mut self, op: &str) -> String {
        self.counter += 1;
        format!("{}_{}", op.to_lowercase(), self.counter)
    }

    /// Declares a graph input; `dims` uses `None` for a symbolic dimension named by `params`.
    pub fn input(&mut self, name: &str, dtype: DataType, dims: &[Result<i64, &str>]) -> String {
        self.graph.input.push(value_info(name, dtype, dims));
        name.to_string()
    }

    pub(crate) fn output(&mut self, name: &str, dtype: DataType, dims: &[Result<i64, &str>]) {
        self.graph.output.push(value_info(name, dtype, dims));
    }

    /// Adds a float32 initializer stored as raw little-endian bytes (what ONNX Runtime reads fastest).
    pub fn init_f32(&mut self, name: &str, dims: &[usize], data: &[f32]) -> String {
        debug_assert_eq!(dims.iter().product::<usize>(), data.len());
        let mut t = TensorProto::new();
        t.name = name.to_string();
        t.data_type = DataType::FLOAT as i32;
        t.dims = dims.iter().map(|&d| d as i64).collect();
        t.raw_data = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.graph.initializer.push(t);
        name.to_string()
    }

    /// Adds a uint8 initializer of any shape.
    pub fn init_u8(&mut self, name: &str, dims: &[usize], data: &[u8]) -> String {
        self.init_raw(name, DataType::UINT8, dims, data.to_vec())
    }

    /// Adds an int8 initializer of any shape.
    pub fn init_i8(&mut self, name: &str, dims: &[usize], data: &[i8]) -> String {
        self.init_raw(name, DataType::INT8, dims, data.iter().map(|&v| v as u8).collect())
    }

    fn init_raw(&mut self, name: &str, dtype: DataType, dims: &[usize], raw: Vec<u8>) -> String {
        debug_assert_eq!(dims.iter().product::<usize>() * dtype_size(dtype), raw.len());
        let mut t = TensorProto::new();
        t.name = name.to_string();
        t.data_type = dtype as i32;
        t.dims = dims.iter().map(|&d| d as i64).collect();
        t.raw_data = raw;
        self.graph.initializer.push(t);
        name.to_string()
    }

    pub(crate) fn init_i64(&mut self, name: &str, data: &[i64]) -> String {
        let mut t = TensorProto::new();
        t.name = name.to_string();
        t.data_type = DataType::INT64 as i32;
        t.dims = vec![data.len() as i64];
        t.raw_data = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.graph.initializer.push(t);
        name.to_string()
    }

    /// An int64 scalar constant (rank 0), for ops such as `Range` that take scalars.
    pub fn init_i64_scalar(&mut self, name: &str, value: i64) -> String {
        let mut t = TensorProto::new();
        t.name = name.to_string();
        t.data_type = DataType::INT64 as i32;
        t.raw_data = value.to_le_bytes().to_vec();
        self.graph.initializer.push(t);
        name.to_string()
    }

    /// A float scalar constant (rank 0), for element-wise ops that broadcast it.
    pub fn scalar_f32(&mut self, name: &str, value: f32) -> String {
        let mut t = TensorProto::new();
        t.name = name.to_string();
        t.data_type = DataType::FLOAT as i32;
        t.raw_data = value.to_le_bytes().to_vec();
        self.graph.initializer.push(t);
        name.to_string()
    }

    /// Adds a node with one output and returns the output's name.
    pub fn op(&mut self, op_type: &str, inputs: &[&str]) -> String {
        self.op_with(op_type, inputs, &[])
    }

    pub(crate) fn op_with(&mut self, op_type: &str, inputs: &[&str], attrs: &[(&str, Attr)]) -> String {
        let out = self.fresh(op_type);
        self.node_into(op_type, inputs, attrs, &out);
        out
    }

    /// Adds a node with `n` outputs (e.g. `Split`) and returns their names.
    pub fn op_multi(&mut self, op_type: &str, inputs: &[&str], attrs: &[(&str, Attr)], n: usize) -> Vec<String> {
        let outs: Vec<String> = (0..n).map(|_| self.fresh(op_type)).collect();
        self.node_into(op_type, inputs, attrs, &outs[0]);
        let node = self.graph.node.last_mut().expect("just added");
        node.output = outs.clone();
        outs
    }

    /// Adds a `com.microsoft` contrib node (ONNX Runtime only) with one output.
    pub fn ms_op_with(&mut self, op_type: &str, inputs: &[&str], attrs: &[(&str, Attr)]) -> String {
        let out = self.op_with(op_type, inputs, attrs);
        let node = self.graph.node.last_mut().expect("just added");
        node.domain = MS_DOMAIN.to_string();
        self.uses_ms_domain = true;
        out
    }

    /// Adds a node whose output has a given name (used for the graph outputs).
    pub fn node_into(&mut self, op_type: &str, inputs: &[&str], attrs: &[(&str, Attr)], output: &str) {
        let mut n = NodeProto::new();
        n.op_type = op_type.to_string();
        n.name = format!("{}_node", output);
        n.input = inputs.iter().map(|s| s.to_string()).collect();
        n.output = vec![output.to_string()];
        n.attribute = attrs.iter().map(|(k, v)| attribute(k, v)).collect();
        self.graph.node.push(n);
    }

    /// Serialises the graph into an ONNX model.
    pub fn finish(self, producer_version: &str) -> Result<Vec<u8>, protobuf::Error> {
        let mut model = ModelProto::new();
        model.ir_version = IR_VERSION;
        model.producer_name = "framelens".into();
        model.producer_version = producer_version.into();
        let mut opset = OperatorSetIdProto::new();
        opset.domain = String::new();
        opset.version = OPSET;
        model.opset_import.push(opset);
        if self.uses_ms_domain {
            let mut ms = OperatorSetIdProto::new();
            ms.domain = MS_DOMAIN.to_string();
            ms.version = 1;
            model.opset_import.push(ms);
        }
        model.graph = protobuf::MessageField::some(self.graph);
        model.write_to_bytes()
    }
}

fn dtype_size(dtype: DataType) -> usize {
    match dtype {
        DataType::UINT8 | DataType::INT8 => 1,
        DataType::FLOAT | DataType::INT32 => 4,
        _ => 8,
    }
}

fn attribute(name: &str, value: &Attr) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.to_string();
    match value {
        Attr::Int(i) => {
            a.type_ = AttributeType::INT.into();
            a.i = *i;
        }
        Attr::Ints(v) => {
            a.type_ = AttributeType::INTS.into();
            a.ints = v.to_vec();
        }
        Attr::Float(f) => {
            a.type_ = AttributeType::FLOAT.into();
            a.f = *f;
        }
    }
    a
}

fn value_info(name: &str, dtype: DataType, dims: &[Result<i64, &str>]) -> ValueInfoProto {
    let mut shape = TensorShapeProto::new();
    for d in dims {
        let mut dim = tensor_shape_proto::Dimension::new();
        dim.value = Some(match d {
            Ok(n) => tensor_shape_proto::dimension::Value::DimValue(*n),
            Err(p) => tensor_shape_proto::dimension::Value::DimParam(p.to_string()),
        });
        shape.dim.push(dim);
    }
    let mut tensor = type_proto::Tensor::new();
    tensor.elem_type = dtype as i32;
    tensor.shape = protobuf::MessageField::some(shape);
    let mut ty = TypeProto::new();
    ty.value = Some(type_proto::Value::TensorType(tensor));
    let mut vi = ValueInfoProto::new();
    vi.name = name.to_string();
    vi.type_ = protobuf::MessageField::some(ty);
    vi
}
