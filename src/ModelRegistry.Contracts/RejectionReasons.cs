namespace ModelRegistry.Contracts;

/// <summary>The reason codes of <see cref="ModelRegistrationRejected"/> and <see cref="EvaluationRejected"/>.</summary>
public static class RejectionReasons
{
    /// <summary>A required field is missing or empty.</summary>
    public const string MissingField = "missing_field";

    /// <summary>A name or key has the wrong length or characters.</summary>
    public const string InvalidName = "invalid_name";

    /// <summary>A field has a value outside its allowed set or form.</summary>
    public const string InvalidValue = "invalid_value";

    /// <summary>A text, map or list is larger than its documented limit.</summary>
    public const string LimitExceeded = "limit_exceeded";

    /// <summary>
    /// The body is larger than the registry reads (<c>Messages:MaxBodyBytes</c>, 1 MiB by default): it was refused
    /// unread. Every rejection event of a command may carry it.
    /// </summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>A path or URI tries to leave its root (traversal, encoding tricks, symlinks, absolute paths).</summary>
    public const string HostilePath = "hostile_path";

    /// <summary>A source URI's scheme is not supported, or it carries a query or fragment.</summary>
    public const string UnsupportedSource = "unsupported_source";

    /// <summary>A source could not be read (missing, not a regular file, I/O error).</summary>
    public const string SourceUnreadable = "source_unreadable";

    /// <summary>A file's bytes do not have the declared SHA-256.</summary>
    public const string DigestMismatch = "digest_mismatch";

    /// <summary>A file does not have the declared size.</summary>
    public const string SizeMismatch = "size_mismatch";

    /// <summary>The base model named in the lineage is not registered.</summary>
    public const string UnknownBaseModel = "unknown_base_model";

    /// <summary>The idempotency key was already used for different content.</summary>
    public const string IdempotencyConflict = "idempotency_conflict";

    /// <summary>A command names a model the registry does not know (ChangeModelGovernance).</summary>
    public const string UnknownModel = "unknown_model";

    /// <summary>An evaluation names a model version the registry does not know.</summary>
    public const string UnknownModelVersion = "unknown_model_version";

    /// <summary>
    /// An evaluation's <c>evaluatedAt</c> lies further after the registry's clock than the allowed clock skew
    /// (<c>Evaluation:MaxClockSkewSeconds</c>, 300 s by default): a date in the future cannot have been measured.
    /// </summary>
    public const string EvaluatedAtInFuture = "evaluated_at_in_future";

    /// <summary>The message carries no AMQP <c>user_id</c>: the registry cannot tell who sent it (docs/security.md).</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>The sender's principal may not do this under the access policy (docs/security.md).</summary>
    public const string NotPermitted = "not_permitted";

    /// <summary>A registration names another owner team or risk tier than the model has; only ChangeModelGovernance changes them.</summary>
    public const string GovernanceMismatch = "governance_mismatch";
}
