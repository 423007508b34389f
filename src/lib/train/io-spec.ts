// Machine-readable description of every graph input/output (written to io.json), so the
// trainer — or any other ONNX runtime — can feed the artifacts without reading our code.
import type { DType, GraphBuilder, Value } from '../engines/onnx/graph';

export interface TensorSpec {
  name: string;
  dtype: DType;
  shape: (number | string)[];
  /** What the tensor is and who produces it. */
  doc: string;
}

export interface GraphIo {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** Declares graph inputs/outputs on a builder and records them with their documentation. */
export class IoRecorder {
  readonly io: GraphIo = { inputs: [], outputs: [] };

  constructor(private readonly g: GraphBuilder) {}

  input(name: string, dtype: DType, shape: (number | string)[], doc: string): Value {
    this.io.inputs.push({ name, dtype, shape, doc });
    return this.g.input(name, dtype, shape);
  }

  output(value: Value, name: string, dtype: DType, shape: (number | string)[], doc: string): void {
    this.io.outputs.push({ name, dtype, shape, doc });
    this.g.output(value, name, dtype, shape);
  }
}
