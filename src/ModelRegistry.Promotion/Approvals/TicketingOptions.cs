using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// The <c>Ticketing</c> configuration section: the ticketing integrations allowed to send approval decisions, each with
/// the secret it signs them with and the approvers and roles it may speak for. From the environment:
/// <c>Ticketing__Integrations__jira__Secret=...</c>, <c>Ticketing__Integrations__jira__Approvers__0=alice</c>,
/// <c>Ticketing__Integrations__jira__Roles__0=model-risk-officer</c>.
/// </summary>
public sealed class TicketingOptions : ISettings
{
    public const string Section = "Ticketing";

    /// <summary>Shortest secret accepted, in characters.</summary>
    public const int MinSecretLength = 32;

    /// <summary>In an allow-list, every approver (or every role).</summary>
    public const string Anyone = "*";

    /// <summary>Longest clock skew accepted.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(1);

    /// <summary>Integration name (the <c>integration</c> field of its decisions, compared exactly) to its settings.</summary>
    public Dictionary<string, TicketingIntegrationOptions> Integrations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How far a decision's <c>decidedAt</c> may lie before the approval request was made, or after the moment it is
    /// processed, before it is refused (decided_at_out_of_range).
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The secret's bytes (<see cref="ApprovalSignature.SecretBytes"/>) of a configured integration; null when there is none.</summary>
    public byte[]? SecretOf(string integration)
    {
        ArgumentNullException.ThrowIfNull(integration);
        return Integrations.TryGetValue(integration, out var settings) && !string.IsNullOrEmpty(settings?.Secret)
            ? ApprovalSignature.SecretBytes(settings.Secret)
            : null;
    }

    /// <summary>The settings of a configured integration; null when there is none.</summary>
    public TicketingIntegrationOptions? Of(string integration)
    {
        ArgumentNullException.ThrowIfNull(integration);
        return Integrations.GetValueOrDefault(integration);
    }

    /// <summary>One line per problem, each naming the setting. Never shows a secret.</summary>
    /// <remarks>No integrations at all is not an error here: every decision is then refused as unknown_integration.</remarks>
    public IEnumerable<string> Validate()
    {
        if (ClockSkew < TimeSpan.Zero || ClockSkew > MaxClockSkew)
            yield return $"{Section}:ClockSkew: {ClockSkew} must be between 00:00:00 and {MaxClockSkew}";
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, settings) in Integrations.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            var setting = $"{Section}:Integrations:{name}";
            if (!FieldRules.IsName(name))
                yield return $"{setting}: integration names are 1-{FieldRules.MaxNameLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit";
            foreach (var problem in AllowLists(setting, settings)) yield return problem;
            var secret = settings?.Secret;
            if (string.IsNullOrEmpty(secret))
            {
                yield return $"{setting}:Secret: required, at least {MinSecretLength} characters";
                continue;
            }
            if (secret.Length < MinSecretLength)
                yield return $"{setting}:Secret: must be at least {MinSecretLength} characters";
            if (char.IsWhiteSpace(secret[0]) || char.IsWhiteSpace(secret[^1]))
                yield return $"{setting}:Secret: must not start or end with whitespace (it is used exactly as configured)";
            if (FieldRules.Storable(secret, "") is not null)
            {
                yield return $"{setting}:Secret: must be valid Unicode without NUL characters";
                continue;
            }
            // A shared secret would let one integration sign as another.
            if (seen.TryGetValue(secret, out var other))
                yield return $"{setting}:Secret: is the same as {Section}:Integrations:{other}:Secret; each integration needs its own";
            else
                seen.Add(secret, name);
        }
    }

    private static IEnumerable<string> AllowLists(string setting, TicketingIntegrationOptions? settings)
    {
        if (settings is null) yield break; // nothing configured under the name but the name: the secret's line says so
        var approvers = settings.Approvers;
        if (approvers.Count == 0)
            yield return $"{setting}:Approvers: required; list the people this integration may speak for " +
                $"({setting.Replace(":", "__", StringComparison.Ordinal)}__Approvers__0=alice), or '{Anyone}' for everyone in {ApproversOptions.Section}";
        for (var i = 0; i < approvers.Count; i++)
        {
            var person = approvers[i];
            if (person == Anyone ? approvers.Count > 1 : !ApproversOptions.IsPersonName(person))
                yield return $"{setting}:Approvers:{i}: {FieldRules.Shown(person)} is not a person name, or '{Anyone}' alone";
        }
        var roles = settings.Roles;
        if (roles.Count == 0)
            yield return $"{setting}:Roles: required; list the roles this integration may sign for " +
                $"({setting.Replace(":", "__", StringComparison.Ordinal)}__Roles__0=model-risk-officer), or '{Anyone}' for every role";
        for (var i = 0; i < roles.Count; i++)
        {
            if (roles[i] == Anyone ? roles.Count > 1 : !FieldRules.IsName(roles[i]))
                yield return $"{setting}:Roles:{i}: {FieldRules.Shown(roles[i])} is not a role name, or '{Anyone}' alone";
        }
    }

    /// <summary>Listed approvers the directory does not know: one line each (checked at start, with both sections bound).</summary>
    public IEnumerable<string> Validate(ApproverDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        foreach (var (name, settings) in Integrations.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            var approvers = settings?.Approvers ?? [];
            for (var i = 0; i < approvers.Count; i++)
            {
                if (approvers[i] != Anyone && ApproversOptions.IsPersonName(approvers[i]) && !directory.Knows(approvers[i]))
                    yield return $"{Section}:Integrations:{name}:Approvers:{i}: {FieldRules.Shown(approvers[i])} is not in the approver directory ({ApproversOptions.Section})";
            }
        }
    }
}

/// <summary>One ticketing integration's settings.</summary>
public sealed class TicketingIntegrationOptions
{
    /// <summary>The HMAC key, used as its UTF-8 bytes exactly as configured; at least <see cref="TicketingOptions.MinSecretLength"/> characters.</summary>
    public string Secret { get; set; } = "";

    /// <summary>The people (as in <c>Approvers</c>, compared ignoring case) whose decisions this integration may send, or <c>*</c>: everyone.</summary>
    public List<string> Approvers { get; set; } = [];

    /// <summary>The roles (compared exactly) this integration may sign decisions for, or <c>*</c>: every role.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>
    /// Whether decisions signed in the old form (<c>mreg-approval-v1</c>, no nonce) may count. Off by default: such a
    /// decision names neither the model version nor the stage it approves (docs/ticketing.md, "The v1 form").
    /// </summary>
    public bool AcceptV1Decisions { get; set; }

    /// <summary>Whether the integration may speak for <paramref name="approver"/>.</summary>
    public bool MaySpeakFor(string approver) =>
        Approvers.Any(a => a == TicketingOptions.Anyone || string.Equals(a, approver, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the integration may sign for <paramref name="role"/>.</summary>
    public bool MaySignAs(string role) => Roles.Any(r => r == TicketingOptions.Anyone || string.Equals(r, role, StringComparison.Ordinal));
}
