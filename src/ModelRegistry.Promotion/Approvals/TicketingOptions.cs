using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// The <c>Ticketing</c> configuration section: the ticketing integrations allowed to send approval decisions, each with
/// the secret it signs them with. From the environment: <c>Ticketing__Integrations__jira__Secret=...</c>.
/// </summary>
public sealed class TicketingOptions : ISettings
{
    public const string Section = "Ticketing";

    /// <summary>Shortest secret accepted, in characters.</summary>
    public const int MinSecretLength = 32;

    /// <summary>Integration name (the <c>integration</c> field of its decisions, compared exactly) to its settings.</summary>
    public Dictionary<string, TicketingIntegrationOptions> Integrations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The secret's bytes (<see cref="ApprovalSignature.SecretBytes"/>) of a configured integration; null when there is none.</summary>
    public byte[]? SecretOf(string integration)
    {
        ArgumentNullException.ThrowIfNull(integration);
        return Integrations.TryGetValue(integration, out var settings) && !string.IsNullOrEmpty(settings?.Secret)
            ? ApprovalSignature.SecretBytes(settings.Secret)
            : null;
    }

    /// <summary>One line per problem, each naming the setting. Never shows a secret.</summary>
    /// <remarks>No integrations at all is not an error here: every decision is then refused as unknown_integration.</remarks>
    public IEnumerable<string> Validate()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, settings) in Integrations.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            var setting = $"{Section}:Integrations:{name}";
            if (!FieldRules.IsName(name))
                yield return $"{setting}: integration names are 1-{FieldRules.MaxNameLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit";
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
}

/// <summary>One ticketing integration's settings.</summary>
public sealed class TicketingIntegrationOptions
{
    /// <summary>The HMAC key, used as its UTF-8 bytes exactly as configured; at least <see cref="TicketingOptions.MinSecretLength"/> characters.</summary>
    public string Secret { get; set; } = "";
}
