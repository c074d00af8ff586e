namespace ModelRegistry.Platform;

/// <summary>The <c>RabbitMq</c> configuration section. Defaults match <c>compose/services.sh</c>.</summary>
public sealed class RabbitMqOptions : ISettings
{
    public const string Section = "RabbitMq";

    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 5673;
    public string VirtualHost { get; set; } = "mreg";
    public string Username { get; set; } = "mreg-workers";
    public string Password { get; set; } = "mreg-workers";

    /// <summary>Messages each receive endpoint may hold unacknowledged.</summary>
    public int PrefetchCount { get; set; } = 64;

    /// <summary>Seconds to let in-flight messages finish on shutdown before their consumers are cancelled.</summary>
    public int StopTimeoutSeconds { get; set; } = 30;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) yield return $"{Section}:Host is empty";
        if (Port is < 1 or > 65535) yield return $"{Section}:Port {Port} is not a TCP port (1-65535)";
        if (string.IsNullOrWhiteSpace(VirtualHost)) yield return $"{Section}:VirtualHost is empty";
        if (string.IsNullOrWhiteSpace(Username)) yield return $"{Section}:Username is empty";
        if (PrefetchCount is < 1 or > 10_000) yield return $"{Section}:PrefetchCount {PrefetchCount} is outside 1-10000";
        if (StopTimeoutSeconds is < 1 or > 3600) yield return $"{Section}:StopTimeoutSeconds {StopTimeoutSeconds} is outside 1-3600";
    }

    public string Address => $"amqp://{Host}:{Port}/{VirtualHost}";
}
