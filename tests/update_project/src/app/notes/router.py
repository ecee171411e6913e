"""`/api/v1/notes`: the signed-in user's notes."""

from fastapi import APIRouter, status
from sqlmodel import col, select

from app.auth.dependencies import CurrentUser
from app.core.db import SessionDep
from app.core.module import API_PREFIX
from app.notes.models import Note
from app.notes.schemas import NoteCreate, NoteRead

router = APIRouter(prefix=f"{API_PREFIX}/notes", tags=["notes"])


@router.get("")
async def list_notes(user: CurrentUser, session: SessionDep) -> list[NoteRead]:
    """The caller's notes, newest first."""
    query = select(Note).where(Note.user_id == user.id).order_by(col(Note.created_at).desc())
    return [NoteRead.model_validate(note) for note in await session.exec(query)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_note(body: NoteCreate, user: CurrentUser, session: SessionDep) -> NoteRead:
    note = Note(user_id=user.id, **body.model_dump())
    session.add(note)
    await session.flush()
    return NoteRead.model_validate(note)
