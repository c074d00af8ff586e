using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;

namespace ModelRegistry.Persistence.Outbox;

/// <summary>The events the outbox may carry, by stable name, and how their bodies are serialized.</summary>
public static class OutboxMessageTypes
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, Type> ByName = new[]
    {
        typeof(ModelVersionRegistered), typeof(ModelRegistrationRejected),
        typeof(EvaluationRecorded), typeof(EvaluationRejected),
        typeof(AuditRecorded),
        typeof(ModelVersionPromoted), typeof(PromotionRejected), typeof(PromotionCancelled),
        typeof(ApprovalRequested), typeof(ApprovalRefused),
        typeof(ModelVersionRolledBack), typeof(RollbackRejected), typeof(DeployModelVersion),
    }.ToDictionary(t => t.Name);

    public static string NameOf(Type type) =>
        ByName.ContainsKey(type.Name) ? type.Name : throw new ArgumentException($"{type.Name} is not an outbox message type", nameof(type));

    public static Type TypeOf(string name) =>
        ByName.TryGetValue(name, out var type) ? type : throw new InvalidOperationException($"unknown outbox message type '{name}'");
}
