namespace ModelRegistry.Platform.Identity;

/// <summary>The roles an access policy can give a person's principal (docs/security.md, "Access policy").</summary>
public static class AccessRoles
{
    /// <summary>May request promotions (RequestPromotion) and resend approval requests.</summary>
    public const string Requester = "requester";

    /// <summary>May cancel any promotion (a requester may always cancel their own).</summary>
    public const string Canceller = "canceller";

    /// <summary>May roll production back (RequestRollback).</summary>
    public const string OnCall = "on-call";

    /// <summary>May change a model's owner team or risk tier (ChangeModelGovernance).</summary>
    public const string Governance = "governance";

    /// <summary>May adopt or dismiss shadow models.</summary>
    public const string Triage = "triage";

    /// <summary>May run the end-to-end probe (RunProbe).</summary>
    public const string Probe = "probe";

    /// <summary>May run a retention sweep now (RunRetentionSweep; the schedule runs it anyway).</summary>
    public const string Retention = "retention";

    /// <summary>May place and release legal holds (PlaceLegalHold, ReleaseLegalHold).</summary>
    public const string LegalHold = "legal-hold";

    public static IReadOnlyList<string> All { get; } = [Requester, Canceller, OnCall, Governance, Triage, Probe, Retention, LegalHold];
}
