"""ONNX conversion of skreg estimators through skl2onnx.

Importing this module registers converters for :class:`skreg.MLPClassifier`
and :class:`skreg.MLPRegressor` with skl2onnx (``update_registered_converter``,
the way skl2onnx documents for third-party models). After it,
``skl2onnx.to_onnx(model, X[:1])`` converts a fitted skreg estimator, or any
pipeline holding one, like a scikit-learn model::

    import skreg.onnx  # noqa: F401  (registers the converters)
    from skl2onnx import to_onnx
    onx = to_onnx(model, X[:1].astype("float32"))

Registration is not automatic on ``import skreg``: skl2onnx is an optional
dependency (``pip install skreg[onnx]``) and slow to import, and skl2onnx has
no plug-in mechanism that would find skreg by itself.

The graph is emitted directly (MatMul, Add and the activation of each layer,
from the batch-norm-folded weights of :func:`skreg.export.folded_weights`),
rather than through skl2onnx's converter for scikit-learn's MLP: that one
has no exponential output (``loss='poisson'``) and flattens multi-output
regression to one column. The outputs are those of a scikit-learn model:

* classifier: ``label`` (class labels; int64 for numeric classes, strings
  otherwise; an int64 0/1 matrix for multilabel targets) and
  ``probabilities`` (as ``predict_proba``; a list of dicts unless the
  option ``zipmap=False`` is given, as for every skl2onnx classifier);
* regressor: ``variable`` of shape (n_samples, n_outputs).

The graph computes in float64 when the input is float64 (``DoubleTensorType``)
and in float32 otherwise, like skl2onnx's converters.
"""

import numpy as np

try:
    from skl2onnx import update_registered_converter
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxArgMax,
        OnnxCast,
        OnnxConcat,
        OnnxExp,
        OnnxGather,
        OnnxGreater,
        OnnxIdentity,
        OnnxMatMul,
        OnnxRelu,
        OnnxSigmoid,
        OnnxSoftmax,
        OnnxSub,
        OnnxTanh,
    )
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.proto import onnx_proto
except ImportError as exc:  # pragma: no cover - exercised without skl2onnx
    raise ImportError(
        "skreg.onnx needs skl2onnx (and onnxruntime to run the models): install "
        "them with `pip install skreg[onnx] onnxruntime` or "
        "`pip install skl2onnx onnxruntime`."
    ) from exc

from ._mlp import MLPClassifier, MLPRegressor
from .export import folded_weights

__all__ = ["register_converters"]

_HIDDEN = {"identity": OnnxIdentity, "logistic": OnnxSigmoid, "tanh": OnnxTanh,
           "relu": OnnxRelu}


def _float_type(operator):
    """(skl2onnx tensor type, numpy dtype) the graph computes in."""
    if isinstance(operator.inputs[0].type, DoubleTensorType):
        return DoubleTensorType, np.float64
    return FloatTensorType, np.float32


def _check_fitted(model):
    if not hasattr(model, "coefs_"):
        raise ValueError(
            f"This {type(model).__name__} is not fitted yet: call fit before "
            "converting it to ONNX."
        )


def _network(operator, container, dtype):
    """Nodes of the forward pass up to the raw output of the last layer."""
    model = operator.raw_operator
    opv = container.target_opset
    coefs, intercepts = folded_weights(model)
    X = operator.inputs[0]
    if isinstance(X.type, (FloatTensorType, DoubleTensorType)):
        H = X  # already the dtype the graph computes in (see _float_type)
    else:  # integer or boolean input: float32
        H = OnnxCast(X, to=onnx_proto.TensorProto.FLOAT, op_version=opv)
    act = _HIDDEN[model.activation]
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        # z = h W + b (b broadcast over the rows)
        H = OnnxAdd(OnnxMatMul(H, W.astype(dtype), op_version=opv),
                    b.astype(dtype).reshape(1, -1), op_version=opv)
        if i < last:
            H = act(H, op_version=opv)
    return H


def _classifier_shape(operator):
    model = operator.raw_operator
    _check_fitted(model)
    N = operator.inputs[0].get_first_dimension()
    ftype, _ = _float_type(operator)
    n_classes = len(model.classes_)
    if model._label_kind == "multilabel":
        label = Int64TensorType([N, n_classes])
    elif np.asarray(model.classes_).dtype.kind in "biuf" or _nocl(operator):
        label = Int64TensorType([N])
    else:
        label = StringTensorType([N])
    operator.outputs[0].type = label
    n_proba = 2 if model.n_outputs_ == 1 else n_classes
    operator.outputs[1].type = ftype([N, n_proba])


def _nocl(operator):
    return bool(operator.scope_inst.get_options(operator.raw_operator,
                                                dict(nocl=False))["nocl"])


def _regressor_shape(operator):
    model = operator.raw_operator
    _check_fitted(model)
    N = operator.inputs[0].get_first_dimension()
    ftype, _ = _float_type(operator)
    operator.outputs[0].type = ftype([N, int(model.n_outputs_)])


def _convert_classifier(scope, operator, container):
    model = operator.raw_operator
    opv = container.target_opset
    _, dtype = _float_type(operator)
    label_out, proba_out = operator.outputs[0], operator.outputs[1]
    Z = _network(operator, container, dtype)
    if model.out_activation_ == "softmax":
        proba = OnnxSoftmax(Z, axis=1, op_version=opv)
    else:
        proba = OnnxSigmoid(Z, op_version=opv)

    if model._label_kind == "multilabel":
        # label_k = [p_k > 0.5], as predict
        label = OnnxCast(OnnxGreater(proba, np.array([0.5], dtype=dtype), op_version=opv),
                         to=onnx_proto.TensorProto.INT64, op_version=opv)
        final_proba = proba
    else:
        if model.n_outputs_ == 1:
            if len(model.classes_) < 2:
                raise ValueError(
                    "A classifier fitted on a single class cannot be converted to "
                    "ONNX: its probabilities have two columns for one class."
                )
            # binary: [1 - p, p]
            one = np.array([[1.0]], dtype=dtype)
            final_proba = OnnxConcat(OnnxSub(one, proba, op_version=opv), proba,
                                     axis=1, op_version=opv)
        else:
            final_proba = proba
        # argmax of the probabilities (ties go to the first class, as predict)
        index = OnnxArgMax(final_proba, axis=1, keepdims=0, op_version=opv)
        classes = np.asarray(model.classes_)
        if _nocl(operator):
            classes = np.arange(len(classes), dtype=np.int64)
        elif classes.dtype.kind in "biuf":
            classes = classes.astype(np.int64)
        else:
            classes = np.array([str(c) for c in classes], dtype=object)
        label = OnnxGather(classes, index, axis=0, op_version=opv)

    OnnxIdentity(label, op_version=opv, output_names=[label_out]).add_to(scope, container)
    OnnxIdentity(final_proba, op_version=opv, output_names=[proba_out]).add_to(
        scope, container)


def _convert_regressor(scope, operator, container):
    model = operator.raw_operator
    opv = container.target_opset
    _, dtype = _float_type(operator)
    Z = _network(operator, container, dtype)
    if model.out_activation_ == "exp":
        Z = OnnxExp(Z, op_version=opv)  # Poisson: log link, mean = exp(z)
    OnnxIdentity(Z, op_version=opv, output_names=[operator.outputs[0]]).add_to(
        scope, container)


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's parser for classifiers (label, probabilities, ZipMap
    option), after a check that the model is fitted: that parser reads
    ``classes_`` before any shape calculator runs."""
    from skl2onnx._parse import _parse_sklearn_classifier

    _check_fitted(model)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


def register_converters():
    """Register the skreg converters with skl2onnx (done on import; idempotent)."""
    update_registered_converter(
        MLPClassifier, "SkregMLPClassifier", _classifier_shape, _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False],
                 "output_class_labels": [False, True]},
        parser=_parse_classifier,
    )
    update_registered_converter(
        MLPRegressor, "SkregMLPRegressor", _regressor_shape, _convert_regressor,
    )


register_converters()
