using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>
/// Command: prove the registry's message path end to end. The probe worker records the probe in
/// PostgreSQL and publishes <see cref="ProbeCompleted"/>. Operators and deployment checks send it
/// to see that a published message reaches a worker and changes the database.
/// </summary>
[EntityName("mreg.run-probe")]
public record RunProbe
{
    /// <summary>Identifies the probe; a probe delivered twice is recorded once.</summary>
    public Guid ProbeId { get; init; }

    /// <summary>Who sent the probe (a person, a script, a test run); at most 200 characters.</summary>
    public string RequestedBy { get; init; } = "";

    /// <summary>When the sender created the probe.</summary>
    public DateTimeOffset RequestedAt { get; init; }
}
