using System.Security.Cryptography;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Platform.Checkpoints;

/// <summary>The audit worker's settings (section <c>Audit</c>): the signing key, the schedule, the optional file sink.</summary>
public sealed class AuditCheckpointOptions : ISettings
{
    public const string Section = "Audit";

    /// <summary>PEM file of the EC P-256 private key that signs checkpoints; mode 600. Required: read and checked at start.</summary>
    public string CheckpointKeyFile { get; set; } = "";

    /// <summary>Quartz cron (UTC) of the scheduled checkpoint; hourly by default.</summary>
    public string CheckpointSchedule { get; set; } = "0 0 * * * ?";

    /// <summary>Optional: a file every checkpoint is appended to as well (JSON lines, fsynced); its folder must exist.</summary>
    public string CheckpointFile { get; set; } = "";

    /// <summary>The signing key, loaded by <see cref="Validate"/>.</summary>
    public ECDsa? Key { get; private set; }

    public IEnumerable<string> Validate()
    {
        var (key, problem) = AuditCheckpointKeys.LoadPrivate(CheckpointKeyFile);
        Key = key;
        if (problem is not null) yield return $"{Section}:CheckpointKeyFile: {problem}";
        if (!Quartz.CronExpression.TryParse(CheckpointSchedule ?? "", out _))
            yield return $"{Section}:CheckpointSchedule '{CheckpointSchedule}' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week)";
        if (CheckpointFile is { Length: > 0 } file && (!Path.IsPathFullyQualified(file) || !Directory.Exists(Path.GetDirectoryName(file))))
            yield return $"{Section}:CheckpointFile '{file}' must be an absolute path in an existing folder";
    }
}
