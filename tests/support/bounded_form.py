"""A one-task process whose form declares fields with bounds (form field bounds tests)."""

from __future__ import annotations

TOWNSHIP = "511725201"  # wang.fang's township (township_window)

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:daiban="urn:daiban:bpmn:1"
                  id="Definitions_bounded" targetNamespace="urn:daiban:test">
  <bpmn:process id="bounded_form" name="表单界限" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_window" name="township_window">
        <bpmn:flowNodeRef>Start_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_fill</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start_1">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_fill" name="填表">
      <bpmn:extensionElements>
        <daiban:form>
FIELDS
        </daiban:form>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_1">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_fill"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_fill" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>
"""

BOUNDED = """\
          <daiban:field name="households" label="户数" type="integer" min="1" max="200"/>
          <daiban:field name="income" label="月人均收入" type="number" min="0" max="99999.5"/>
          <daiban:field name="signer" label="签收人" type="string" maxLength="8"/>
          <daiban:field name="count" label="件数" type="integer"/>
          <daiban:field name="share" label="份额" type="number" min="-0.5"/>
          <daiban:field name="title" label="标题" type="string"/>
          <daiban:field name="opinion" label="意见" type="text"/>
          <daiban:field name="summary" label="摘要" type="text" maxLength="10000"/>"""


def bpmn(fields: str) -> bytes:
    return PROCESS.replace("FIELDS", fields).encode()
