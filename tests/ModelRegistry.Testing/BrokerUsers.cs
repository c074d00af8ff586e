using System.Text.Json;

namespace ModelRegistry.Testing;

/// <summary>
/// The development broker users of compose/broker-users.json (one per actor kind) and their permissions, as
/// compose/services.sh creates them: tests grant the same on their private vhosts.
/// </summary>
public static class BrokerUsers
{
    public const string Workers = "mreg-workers";
    public const string Pipeline = "mreg-pipeline";
    public const string Evaluator = "mreg-evaluator";
    public const string Ticketing = "mreg-ticketing";
    public const string Serving = "mreg-serving";
    public const string Operator = "mreg-operator";

    /// <summary>The permission patterns of one user, with its name put in for <c>{user}</c>.</summary>
    public sealed record Permissions(string Configure, string Write, string Read);

    private static readonly Lazy<JsonDocument> File = new(() =>
        JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Checkout.Repository, "compose", "broker-users.json"))));

    /// <summary>Every user of the file with its kind (the workers' user as <paramref name="workersUser"/>).</summary>
    public static IReadOnlyDictionary<string, string> Users(string workersUser = Workers) =>
        File.Value.RootElement.GetProperty("users").EnumerateObject()
            .ToDictionary(u => u.Value.GetString() == "workers" ? workersUser : u.Name, u => u.Value.GetString()!);

    /// <summary>The permissions <paramref name="user"/> gets as one of <paramref name="kind"/>.</summary>
    public static Permissions Of(string kind, string user)
    {
        var k = File.Value.RootElement.GetProperty("kinds").GetProperty(kind);
        string Pattern(string name) => k.GetProperty(name).GetString()!.Replace("{user}", user, StringComparison.Ordinal);
        return new(Pattern("configure"), Pattern("write"), Pattern("read"));
    }

    /// <summary>The development password of a client user: its name (the workers' and the admin's come from the settings).</summary>
    public static string PasswordOf(string user) => user;
}
