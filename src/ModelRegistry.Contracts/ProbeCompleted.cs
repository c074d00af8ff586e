using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>Event: a <see cref="RunProbe"/> was recorded in the database by a worker.</summary>
[EntityName("mreg.probe-completed")]
public record ProbeCompleted
{
    /// <summary>The probe's identifier, as sent.</summary>
    public Guid ProbeId { get; init; }

    /// <summary>The host instance (machine and process) whose worker recorded the probe.</summary>
    public string RecordedBy { get; init; } = "";

    /// <summary>When the probe was first recorded; a redelivered probe reports the first time.</summary>
    public DateTimeOffset RecordedAt { get; init; }
}
