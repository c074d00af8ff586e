using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration;

/// <summary>The <c>Registration</c> configuration section: how much the registration worker takes on at once.</summary>
public sealed class RegistrationOptions : ISettings
{
    public const string Section = "Registration";

    /// <summary>
    /// Messages the registration worker handles at once per process. Most of a registration is waiting (for the disk's
    /// sync, for the group transaction), and concurrent registrations share both: more in flight means larger groups.
    /// </summary>
    public int ConcurrentMessageLimit { get; set; } = 256;

    /// <summary>Unacknowledged messages the registration queue hands this process; 0: <see cref="ConcurrentMessageLimit"/>.</summary>
    public int PrefetchCount { get; set; }

    public int EffectivePrefetchCount => PrefetchCount > 0 ? PrefetchCount : ConcurrentMessageLimit;

    public IEnumerable<string> Validate()
    {
        if (ConcurrentMessageLimit is < 1 or > 10_000)
            yield return $"{Section}:ConcurrentMessageLimit {ConcurrentMessageLimit} is outside 1-10000";
        if (PrefetchCount is < 0 or > 10_000) yield return $"{Section}:PrefetchCount {PrefetchCount} is outside 0-10000 (0: as ConcurrentMessageLimit)";
    }
}
