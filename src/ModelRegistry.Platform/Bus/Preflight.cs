using System.Net.Sockets;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Platform;

/// <summary>
/// Connects to the broker and the database once before anything starts, and turns each failure
/// into one line that names the setting to fix.
/// </summary>
public static class Preflight
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static ConnectionFactory ConnectionFactory(RabbitMqOptions o) => new()
    {
        HostName = o.Host,
        Port = o.Port,
        VirtualHost = o.VirtualHost,
        UserName = o.Username,
        Password = o.Password,
        RequestedConnectionTimeout = ConnectTimeout,
        AutomaticRecoveryEnabled = false,
        ClientProvidedName = "mreg-preflight",
    };

    /// <summary>Returns null when the broker accepts us, else the problem.</summary>
    public static async Task<string?> CheckBrokerAsync(RabbitMqOptions o, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await ConnectionFactory(o).CreateConnectionAsync(cancellationToken);
            // The broker refuses a missing vhost only once a channel is opened.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            return null;
        }
        catch (Exception e)
        {
            return DescribeBrokerFailure(o, e);
        }
    }

    public static string DescribeBrokerFailure(RabbitMqOptions o, Exception e)
    {
        var s = RabbitMqOptions.Section;
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationFailureException:
                    return $"{s}:Username/{s}:Password: the broker at {o.Host}:{o.Port} refused the login of user '{o.Username}' (wrong user or password)";
                case OperationInterruptedException oie when oie.ShutdownReason?.ReplyCode == 530 || oie.Message.Contains("NOT_ALLOWED - vhost", StringComparison.Ordinal):
                    return $"{s}:VirtualHost: '{o.VirtualHost}' does not exist on {o.Host}:{o.Port} or user '{o.Username}' may not use it";
                case SocketException se:
                    return $"{s}:Host/{s}:Port: cannot reach the broker at {o.Host}:{o.Port} ({se.SocketErrorCode})";
                case TimeoutException:
                    return $"{s}:Host/{s}:Port: no answer from the broker at {o.Host}:{o.Port} within {ConnectTimeout.TotalSeconds:0} s";
            }
        }
        return $"{s}: cannot connect to {o.Host}:{o.Port} vhost '{o.VirtualHost}': {Innermost(e).Message}";
    }

    /// <summary>Returns null when the database accepts the connection string, else the problem.</summary>
    public static async Task<string?> CheckDatabaseAsync(string settingName, string connectionString, CancellationToken cancellationToken = default)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = (int)ConnectTimeout.TotalSeconds, Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(b.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return null;
        }
        catch (Exception e)
        {
            return DescribeDatabaseFailure(settingName, b, e);
        }
    }

    private static string DescribeDatabaseFailure(string setting, NpgsqlConnectionStringBuilder b, Exception e)
    {
        var where = $"{b.Host}:{b.Port}";
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification }:
                    return $"{setting}: PostgreSQL at {where} refused the login of user '{b.Username}' (wrong user or password)";
                case PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName }:
                    return $"{setting}: database '{b.Database}' does not exist on {where}";
                case PostgresException pg:
                    return $"{setting}: PostgreSQL at {where} refused the connection: {pg.MessageText} ({pg.SqlState})";
                case SocketException se:
                    return $"{setting}: cannot reach PostgreSQL at {where} ({se.SocketErrorCode})";
                case TimeoutException:
                    return $"{setting}: no answer from PostgreSQL at {where} within {ConnectTimeout.TotalSeconds:0} s";
            }
        }
        return $"{setting}: cannot connect to PostgreSQL at {where}: {Innermost(e).Message}";
    }

    /// <summary>Creates the store's folders if needed and proves the process may write there.</summary>
    public static string? CheckArtifactStore(ArtifactStoreOptions o)
    {
        try
        {
            Directory.CreateDirectory(o.Root);
            var probe = Path.Combine(o.Root, $".write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{ArtifactStoreOptions.Section}:Root: cannot write to '{o.Root}': {e.Message}";
        }
        var missing = o.AllowedSourceRoots.Where(r => !Directory.Exists(r)).ToList();
        return missing.Count == 0 ? null
            : $"{ArtifactStoreOptions.Section}:AllowedSourceRoots: no such directory: {string.Join(", ", missing)}";
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
