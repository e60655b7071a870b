"""The fidelity audit in the web app: each course's audit page and PDF, and each
therapist's rates for their own supervision and development (docs/fidelity.md).

Built on ``ontrack.fidelity`` (no Django): this app only reads the care records into its
plain ``Course`` values, through the scoped managers, and shows the result.
"""
