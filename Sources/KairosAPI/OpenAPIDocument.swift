/// The API's OpenAPI 3.1 document, served at `/v1/openapi.json`; `docs/openapi.json` holds the same text (a test
/// checks that they agree; `scripts/embed-openapi` writes this file from it).
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Kairos HTTP API",
    "version": "1",
    "description": "Schedules on Kafka, by HTTP. Every write is a command on <prefix>.commands, answered once the owning instance applied it; any instance answers for any id. Roles: viewer reads, operator writes schedules, admin replays dead letters."
  },
  "servers": [
    {
      "url": "/"
    }
  ],
  "security": [
    {
      "bearerAuth": []
    }
  ],
  "paths": {
    "/v1/schedules/{id}": {
      "get": {
        "operationId": "getSchedule",
        "summary": "A schedule's state and its next fire times.",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The schedule id: 1 to 256 bytes of UTF-8, percent-encoded.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            }
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScheduleResource"
                }
              }
            }
          },
          "404": {
            "description": "No live schedule with this id.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      },
      "put": {
        "operationId": "putSchedule",
        "summary": "Create or replace a schedule; answers once applied (read-your-writes).",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The schedule id: 1 to 256 bytes of UTF-8, percent-encoded.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ScheduleSpec"
              },
              "examples": {
                "cron": {
                  "summary": "Weekdays at 09:00 in Paris",
                  "value": {
                    "target": "team.events",
                    "cron": "0 9 * * MON-FRI",
                    "tz": "Europe/Paris",
                    "payload": {
                      "json": {
                        "room": 4
                      }
                    }
                  }
                },
                "every": {
                  "summary": "Every 5 minutes",
                  "value": {
                    "target": "metrics.tick",
                    "every": "5m",
                    "payload": {
                      "text": "tick"
                    }
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Applied (or already so: written is false).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScheduleResource"
                }
              }
            },
            "links": {
              "GetSchedule": {
                "operationId": "getSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              },
              "PauseSchedule": {
                "operationId": "pauseSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              },
              "TriggerSchedule": {
                "operationId": "triggerSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              },
              "ScheduleEvents": {
                "operationId": "scheduleEvents",
                "parameters": {
                  "id": "$request.path.id"
                }
              },
              "CancelSchedule": {
                "operationId": "cancelSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              }
            }
          },
          "202": {
            "description": "Written, not seen applied in time.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Accepted"
                }
              }
            }
          },
          "413": {
            "description": "The body is too large.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "422": {
            "description": "A field is refused; invalid-params names it. Nothing was written.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      },
      "delete": {
        "operationId": "cancelSchedule",
        "summary": "Cancel a schedule.",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The schedule id: 1 to 256 bytes of UTF-8, percent-encoded.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            }
          }
        ],
        "responses": {
          "204": {
            "description": "Cancelled."
          },
          "202": {
            "description": "Written, not seen applied in time.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Accepted"
                }
              }
            }
          },
          "404": {
            "description": "No live schedule with this id.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/schedules/{id}/pause": {
      "post": {
        "operationId": "pauseSchedule",
        "summary": "Stop firing until resumed.",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The schedule id: 1 to 256 bytes of UTF-8, percent-encoded.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            }
          },
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 200
            },
            "description": "A repeated request with the same key gets the first answer (kept by the instance serving the id, for a day)."
          }
        ],
        "responses": {
          "200": {
            "description": "Applied: the schedule as stored.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScheduleResource"
                }
              }
            },
            "links": {
              "ResumeSchedule": {
                "operationId": "resumeSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              },
              "GetSchedule": {
                "operationId": "getSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              }
            }
          },
          "202": {
            "description": "Written, not seen applied in time.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Accepted"
                }
              }
            }
          },
          "404": {
            "description": "No live schedule with this id.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/schedules/{id}/resume": {
      "post": {
        "operationId": "resumeSchedule",
        "summary": "Fire again; occurrences due while paused are skipped.",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The schedule id: 1 to 256 bytes of UTF-8, percent-encoded.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            }
          },
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 200
            },
            "description": "A repeated request with the same key gets the first answer (kept by the instance serving the id, for a day)."
          }
        ],
        "responses": {
          "200": {
            "description": "Applied: the schedule as stored.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScheduleResource"
                }
              }
            },
            "links": {
              "CancelSchedule": {
                "operationId": "cancelSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              },
              "GetSchedule": {
                "operationId": "getSchedule",
                "parameters": {
                  "id": "$request.path.id"
                }
              }
            }
          },
          "202": {
            "description": "Written, not seen applied in time.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Accepted"
                }
              }
            }
          },
          "404": {
            "description": "No live schedule with this id.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/schedules/{id}/trigger": {
      "post": {
        "operationId": "triggerSchedule",
        "summary": "One extra firing now (occurrence -1, -2, ...).",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The schedule id: 1 to 256 bytes of UTF-8, percent-encoded.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            }
          },
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 200
            },
            "description": "A repeated request with the same key gets the first answer (kept by the instance serving the id, for a day)."
          }
        ],
        "responses": {
          "200": {
            "description": "Applied: the schedule as stored.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScheduleResource"
                }
              }
            }
          },
          "202": {
            "description": "Written, not seen applied in time.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Accepted"
                }
              }
            }
          },
          "404": {
            "description": "No live schedule with this id.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/schedules/{id}/events": {
      "get": {
        "operationId": "scheduleEvents",
        "summary": "A schedule's recent lifecycle events.",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The schedule id: 1 to 256 bytes of UTF-8, percent-encoded.",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            }
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Oldest first.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "events"
                  ],
                  "properties": {
                    "events": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": [
                          "type",
                          "at",
                          "partition"
                        ],
                        "properties": {
                          "type": {
                            "type": "string"
                          },
                          "occurrence": {
                            "type": "integer"
                          },
                          "scheduledFor": {
                            "type": "integer"
                          },
                          "at": {
                            "type": "integer"
                          },
                          "partition": {
                            "type": "integer"
                          },
                          "detail": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/schedules": {
      "get": {
        "operationId": "listSchedules",
        "summary": "Schedules by next due time, then id, a page at a time.",
        "tags": [
          "schedules"
        ],
        "parameters": [
          {
            "name": "status",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "scheduled",
                "paused",
                "retrying"
              ]
            }
          },
          {
            "name": "target",
            "in": "query",
            "schema": {
              "type": "string"
            },
            "description": "Targets containing this text."
          },
          {
            "name": "idPrefix",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "dueFrom",
            "in": "query",
            "schema": {
              "type": "string"
            },
            "description": "RFC 3339 or epoch ms."
          },
          {
            "name": "dueTo",
            "in": "query",
            "schema": {
              "type": "string"
            },
            "description": "RFC 3339 or epoch ms."
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "schema": {
              "type": "string"
            },
            "description": "nextCursor of the page before."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScheduleList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/preview": {
      "get": {
        "operationId": "preview",
        "summary": "The next fire times of a cron expression or interval, decided as a command would be.",
        "tags": [
          "time"
        ],
        "parameters": [
          {
            "name": "cron",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "every",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "tz",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "after",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "count",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Fire times.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "zone",
                    "fireTimes"
                  ],
                  "properties": {
                    "zone": {
                      "type": "string"
                    },
                    "fireTimes": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": [
                          "occurrence",
                          "utc",
                          "local"
                        ],
                        "properties": {
                          "occurrence": {
                            "type": "integer"
                          },
                          "utc": {
                            "type": "string"
                          },
                          "local": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "422": {
            "description": "The expression or zone is refused.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/dead-letters": {
      "get": {
        "operationId": "listDeadLetters",
        "summary": "The latest dead letters with why they are there.",
        "tags": [
          "dead letters"
        ],
        "parameters": [
          {
            "name": "kind",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "rejected",
                "delivery-failed"
              ]
            }
          },
          {
            "name": "idPrefix",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Oldest first.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "deadLetters",
                    "matching"
                  ],
                  "properties": {
                    "deadLetters": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": [
                          "partition",
                          "offset",
                          "kind",
                          "error",
                          "timestamp"
                        ],
                        "properties": {
                          "partition": {
                            "type": "integer"
                          },
                          "offset": {
                            "type": "integer"
                          },
                          "key": {
                            "type": "string"
                          },
                          "kind": {
                            "type": "string"
                          },
                          "error": {
                            "type": "string"
                          },
                          "source": {
                            "type": "string"
                          },
                          "scheduledFor": {
                            "type": "integer"
                          },
                          "occurrence": {
                            "type": "integer"
                          },
                          "timestamp": {
                            "type": "integer"
                          },
                          "valueBytes": {
                            "type": "integer"
                          }
                        }
                      }
                    },
                    "matching": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "502": {
            "description": "Kafka could not be read.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "422": {
            "description": "A field is refused.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/dead-letters/replay": {
      "post": {
        "operationId": "replayDeadLetters",
        "summary": "Write matching dead letters back as commands (admin).",
        "tags": [
          "dead letters"
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "kind": {
                    "type": "string",
                    "enum": [
                      "rejected",
                      "delivery-failed"
                    ]
                  },
                  "idPrefix": {
                    "type": "string"
                  },
                  "partition": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "offsetFrom": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "dryRun": {
                    "type": "boolean"
                  },
                  "force": {
                    "type": "boolean"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "What was replayed.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "outcomes",
                    "dryRun",
                    "force",
                    "commandsTopic",
                    "replayed"
                  ],
                  "properties": {
                    "outcomes": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": [
                          "partition",
                          "offset",
                          "kind",
                          "replayed"
                        ],
                        "properties": {
                          "partition": {
                            "type": "integer"
                          },
                          "offset": {
                            "type": "integer"
                          },
                          "key": {
                            "type": "string"
                          },
                          "kind": {
                            "type": "string"
                          },
                          "rejection": {
                            "type": "string"
                          },
                          "replayed": {
                            "type": "boolean"
                          },
                          "writeError": {
                            "type": "string"
                          }
                        }
                      }
                    },
                    "dryRun": {
                      "type": "boolean"
                    },
                    "force": {
                      "type": "boolean"
                    },
                    "commandsTopic": {
                      "type": "string"
                    },
                    "replayed": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "413": {
            "description": "The body is too large.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "422": {
            "description": "A field is refused.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "502": {
            "description": "Kafka could not be read or written.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "400": {
            "description": "A path, query or body field cannot be read; `invalid-params` names it.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "$ref": "#/components/schemas/Problem"
                }
              }
            }
          }
        }
      }
    },
    "/v1/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This document.",
        "tags": [
          "meta"
        ],
        "security": [],
        "responses": {
          "200": {
            "description": "OpenAPI 3.1.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token of KAIROS_API_TOKENS or a JWT with a role claim."
      }
    },
    "responses": {
      "Unauthorized": {
        "description": "No valid bearer token.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Forbidden": {
        "description": "The token's role does not allow this.",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      },
      "Unavailable": {
        "description": "No instance serves the partition right now, or Kafka cannot be written; try again (Retry-After).",
        "content": {
          "application/problem+json": {
            "schema": {
              "$ref": "#/components/schemas/Problem"
            }
          }
        }
      }
    },
    "schemas": {
      "ScheduleSpec": {
        "type": "object",
        "required": [
          "target"
        ],
        "additionalProperties": false,
        "description": "A schedule, by the fields of a command (see topics/README.md). At most one of at, delay, cron and every; none fires now.",
        "properties": {
          "id": {
            "type": "string",
            "description": "Ignored in a PUT body (the path names the schedule); used in kairosctl apply files."
          },
          "target": {
            "type": "string",
            "minLength": 1,
            "description": "A topic, kafka:TOPIC, or an http(s) URL."
          },
          "at": {
            "description": "RFC 3339 text or epoch milliseconds.",
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "integer"
              }
            ]
          },
          "delay": {
            "type": "string",
            "examples": [
              "30s",
              "PT5M"
            ]
          },
          "cron": {
            "type": "string",
            "examples": [
              "0 9 * * MON-FRI"
            ]
          },
          "every": {
            "type": "string",
            "examples": [
              "15m",
              "1d"
            ]
          },
          "tz": {
            "type": "string",
            "examples": [
              "Europe/Paris"
            ]
          },
          "start": {
            "description": "RFC 3339 text or epoch milliseconds.",
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "integer"
              }
            ]
          },
          "end": {
            "description": "RFC 3339 text or epoch milliseconds.",
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "integer"
              }
            ]
          },
          "limit": {
            "type": "integer",
            "minimum": 1
          },
          "window": {
            "type": "string"
          },
          "misfire": {
            "type": "string",
            "enum": [
              "fire",
              "skip"
            ]
          },
          "payload": {
            "type": "object",
            "additionalProperties": false,
            "description": "Exactly one of json, text and base64.",
            "properties": {
              "json": {
                "description": "Any JSON value, sent serialized compactly with sorted keys."
              },
              "text": {
                "type": "string"
              },
              "base64": {
                "type": "string",
                "contentEncoding": "base64"
              }
            }
          },
          "key": {
            "type": "string",
            "description": "Key of the fired record (default: the id)."
          },
          "partition": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2147483647
          },
          "headers": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name"
              ],
              "additionalProperties": false,
              "properties": {
                "name": {
                  "type": "string",
                  "minLength": 1
                },
                "value": {
                  "type": [
                    "string",
                    "null"
                  ]
                }
              }
            },
            "description": "Headers of the fired record, in order (not kairos-*)."
          },
          "http": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "method": {
                "type": "string"
              },
              "headers": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "name"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "name": {
                      "type": "string",
                      "minLength": 1
                    },
                    "value": {
                      "type": [
                        "string",
                        "null"
                      ]
                    }
                  }
                }
              }
            }
          },
          "retry": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "max": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100
              },
              "backoff": {
                "type": "string"
              }
            }
          }
        }
      },
      "ScheduleResource": {
        "type": "object",
        "required": [
          "id",
          "partition",
          "status",
          "spec",
          "zone",
          "nextFireTimes",
          "failedAttempts",
          "pendingTriggers"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "partition": {
            "type": "integer"
          },
          "status": {
            "type": "string",
            "enum": [
              "scheduled",
              "paused",
              "retrying",
              "finished"
            ]
          },
          "spec": {
            "$ref": "#/components/schemas/ScheduleSpec"
          },
          "zone": {
            "type": "string"
          },
          "occurrence": {
            "type": "integer"
          },
          "dueAt": {
            "type": "string"
          },
          "dueAtMillis": {
            "type": "integer"
          },
          "nextFireTimes": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "occurrence",
                "utc",
                "local"
              ],
              "properties": {
                "occurrence": {
                  "type": "integer"
                },
                "utc": {
                  "type": "string"
                },
                "local": {
                  "type": "string"
                }
              }
            }
          },
          "lastFiring": {
            "type": "object",
            "required": [
              "occurrence",
              "scheduledFor"
            ],
            "properties": {
              "occurrence": {
                "type": "integer"
              },
              "scheduledFor": {
                "type": "string"
              }
            }
          },
          "failedAttempts": {
            "type": "integer"
          },
          "lastError": {
            "type": "string"
          },
          "pausedAt": {
            "type": "string"
          },
          "pendingTriggers": {
            "type": "integer"
          },
          "written": {
            "type": "boolean",
            "description": "For a write: false when the schedule already was as asked and nothing was written."
          }
        }
      },
      "ScheduleList": {
        "type": "object",
        "required": [
          "schedules"
        ],
        "properties": {
          "schedules": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ScheduleResource"
            }
          },
          "nextCursor": {
            "type": "string"
          }
        }
      },
      "Accepted": {
        "type": "object",
        "required": [
          "status",
          "id",
          "partition",
          "offset",
          "detail"
        ],
        "properties": {
          "status": {
            "type": "string",
            "const": "accepted"
          },
          "id": {
            "type": "string"
          },
          "partition": {
            "type": "integer"
          },
          "offset": {
            "type": "integer"
          },
          "detail": {
            "type": "string"
          }
        }
      },
      "Problem": {
        "type": "object",
        "required": [
          "status",
          "title",
          "detail",
          "type"
        ],
        "description": "RFC 9457 problem details.",
        "properties": {
          "status": {
            "type": "integer"
          },
          "title": {
            "type": "string"
          },
          "detail": {
            "type": "string"
          },
          "type": {
            "type": "string"
          },
          "invalid-params": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "reason"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "reason": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    }
  }
}
"""#
}
